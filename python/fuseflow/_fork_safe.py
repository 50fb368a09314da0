"""ForkSafeLock: a lock that a fork() never leaves taken in the child.

fork() copies a lock as it is. A lock another thread held at that moment stays held in the child,
where that thread does not exist, and the child's first acquire waits forever: a process forked
while another thread traced or compiled an ``ff.jit`` function (its cache lock, held through the
trace) hung on its first call of that function (19 of 40 children in a measured run). Each
ForkSafeLock gets a new lock in the child, made by the forking thread, the child's only thread.
What the lock guarded is then as the other thread left it; the guarded state here is a cache
filled after the work (a signature's entry, a compiled program), so the child redoes that work.
"""

import os
import threading
import weakref

_LIVE = weakref.WeakSet()


class ForkSafeLock:
    """A threading.Lock for ``with`` blocks, renewed in a forked child."""

    __slots__ = ("_lock", "__weakref__")

    def __init__(self):
        self._lock = threading.Lock()
        _LIVE.add(self)

    def __enter__(self):
        self._lock.acquire()
        return self

    def __exit__(self, *exc_info):
        self._lock.release()


def _renew_in_child():
    for lock in list(_LIVE):
        lock._lock = threading.Lock()


if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=_renew_in_child)
