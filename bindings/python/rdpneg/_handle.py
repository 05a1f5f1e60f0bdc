# SPDX-License-Identifier: Apache-2.0
"""The lifetime of a native object, once for every wrapper class.

A wrapper holds one pointer, a lock serialising the calls on it, and
whether it owns the pointer. close() frees an owned pointer exactly once
(idempotent; also on garbage collection and at the end of a ``with``
block); a borrowed pointer (a session lent by a probe plan) is only
forgotten. After close(), _handle() raises ValueError.
"""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Any, Callable, Optional, Type, TypeVar

_H = TypeVar("_H", bound="NativeHandle")


class NativeHandle:
    _what = "object"      # for messages: "Session is closed"
    _lock: Any            # threading.RLock (a factory, not a class)
    _ptr: Any             # a ctypes pointer, None once closed
    _free: Optional[Callable[[Any], None]]
    _owned: bool

    def _init_handle(self, ptr: Any, free: Optional[Callable[[Any], None]],
                     owned: bool = True, lock: Any = None) -> None:
        self._lock = lock if lock is not None else threading.RLock()
        self._ptr = ptr
        self._free = free
        self._owned = owned

    def _release(self) -> Any:
        """Forgets the pointer without freeing it; returns it."""
        with self._lock:
            ptr, self._ptr = getattr(self, "_ptr", None), None
        return ptr

    def close(self) -> None:
        """Frees the native object (idempotent)."""
        lock = getattr(self, "_lock", None)
        if lock is None:  # __init__ failed before _init_handle
            return
        with lock:
            ptr = self._release()
            if ptr and self._owned and self._free is not None:
                self._free(ptr)

    @property
    def closed(self) -> bool:
        return not getattr(self, "_ptr", None)

    def _handle(self) -> Any:
        ptr = getattr(self, "_ptr", None)
        if not ptr:
            raise ValueError("%s is closed" % self._what)
        return ptr

    def __enter__(self: _H) -> _H:
        return self

    def __exit__(self, exc_type: Optional[Type[BaseException]],
                 exc: Optional[BaseException],
                 tb: Optional[TracebackType]) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass
