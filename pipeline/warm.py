"""The later stages' heavy modules, loaded on a thread while the first stage parses the workbook.

scipy (the BG/NBD fit) takes about 0.6 s to import, much of a small report's time. calamine,
which parses the workbook, lets go of the interpreter while it works, so the two overlap: the
import is done, or nearly, when the model needs it.
"""

from __future__ import annotations

import threading

_started = threading.Event()


def warm_up() -> None:
    """Start loading, once per process; the stages import as usual and wait if still loading."""
    if _started.is_set():
        return
    _started.set()
    threading.Thread(target=_load, name="tierbook-warm-up", daemon=True).start()


def _load() -> None:
    try:
        import scipy.optimize  # noqa: F401
        import scipy.special  # noqa: F401
    except Exception:  # noqa: S110 - the stage that needs a module imports it and says why
        pass
