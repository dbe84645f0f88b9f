"""A value made once, by whichever thread asks for it first; the others wait for it.

``functools.cache`` lets two threads that ask at the same time both make the value. Parts
packed on two threads at once (a sheet's notes and their drawing, or two sheets' notes) share
what they are made from, and that is worded for every client: made twice, it costs the long
tail's report as much again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Once(Generic[T]):
    """``make()``'s value, made on the first call and kept."""

    def __init__(self, make: Callable[[], T]) -> None:
        self._make: Callable[[], T] | None = make
        self._lock = threading.Lock()
        self._value: T | None = None

    def __call__(self) -> T:
        with self._lock:
            if self._make is not None:
                self._value, self._make = self._make(), None
            return self._value  # type: ignore[return-value]  # made above, may itself be None
