"""The lifetime of a native object, once for every wrapper class.

A wrapper holds one pointer, a lock serialising the calls on it, and
whether it owns the pointer. close() frees an owned pointer exactly once
(idempotent; also on garbage collection and at the end of a ``with``
block); a borrowed pointer (a session lent by a probe plan) is only
forgotten. After close(), _handle() raises ValueError.
"""

import threading


class NativeHandle:
    _what = "object"      # for messages: "Session is closed"

    def _init_handle(self, ptr, free, owned=True, lock=None):
        self._lock = lock if lock is not None else threading.RLock()
        self._ptr = ptr
        self._free = free
        self._owned = owned

    def _release(self):
        """Forgets the pointer without freeing it; returns it."""
        with self._lock:
            ptr, self._ptr = getattr(self, "_ptr", None), None
        return ptr

    def close(self):
        """Frees the native object (idempotent)."""
        lock = getattr(self, "_lock", None)
        if lock is None:  # __init__ failed before _init_handle
            return
        with lock:
            ptr = self._release()
            if ptr and self._owned and self._free is not None:
                self._free(ptr)

    @property
    def closed(self):
        return not getattr(self, "_ptr", None)

    def _handle(self):
        ptr = getattr(self, "_ptr", None)
        if not ptr:
            raise ValueError("%s is closed" % self._what)
        return ptr

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass
