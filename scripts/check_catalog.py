"""Check one language's catalog (every entry translated, placeholders kept) and compile it.

Usage: python scripts/check_catalog.py LANG   (run from the repository root)
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def problems(lang: str) -> list[str]:
    po = Path("pipeline/locale") / lang / "LC_MESSAGES" / "tierbook.po"
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    found = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set().union(*(PLACEHOLDER.findall(i) for i in ids))
        if message.fuzzy:
            found.append(f"fuzzy: {ids[0]!r}")
        if len(strings) != catalog.num_plurals and isinstance(message.id, tuple):
            found.append(f"{len(strings)} plural forms, {catalog.num_plurals} expected: {ids[0]!r}")
        for text in strings:
            if not text:
                found.append(f"untranslated: {ids[0]!r}")
                continue
            got = set(PLACEHOLDER.findall(text))
            # A plural form may leave the count out (Chinese, a singular "one"), never add one.
            missing = wanted - got - ({"n", "num"} if isinstance(message.id, tuple) else set())
            if missing or got - wanted:
                found.append(f"placeholders {sorted(got)} for {sorted(wanted)}: {ids[0]!r}")
            if "%" in PLACEHOLDER.sub("", text):
                # Percentages arrive formatted through placeholders; a literal % breaks formatting.
                found.append(f"a % outside a placeholder: {text!r}")
    with po.with_suffix(".mo").open("wb") as handle:
        write_mo(handle, catalog)
    return found


if __name__ == "__main__":
    found = problems(sys.argv[1])
    print("\n".join(found) if found else "ok")
    sys.exit(1 if found else 0)
