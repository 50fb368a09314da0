"""Shared check that a native call releases the GIL."""

import threading


def ticks_while_running(call):
    """Runs call() in another thread and counts how often this thread loops meanwhile.

    With the GIL held for the whole call, this loop could only run between switch intervals
    before the call starts; released, it spins for the call's whole duration."""
    entered, done = threading.Event(), threading.Event()

    def worker():
        entered.set()
        call()
        done.set()

    t = threading.Thread(target=worker)
    t.start()
    entered.wait()
    ticks = 0
    while not done.is_set():
        ticks += 1
    t.join()
    return ticks
