"""Ctrl-C while alflint runs forked workers or writes tables: stop at once, cleanly.

A terminal sends SIGINT to the whole process group, workers included. A worker that raised
KeyboardInterrupt while holding a lock of the pool's queues left the parent waiting for ever,
and a pool's ``with`` block waits for all the work still queued. So workers ignore SIGINT
(only the parent handles it), and on KeyboardInterrupt the parent cancels the queued work,
terminates its workers and re-raises. A worker killed while sending its result would leave
the pool's reader waiting for the rest of the message, and the exit with it: so SIGTERM
stops a worker only inside the function it runs (:func:`abortable`), whose KeyboardInterrupt
goes back to the parent as a whole message, and the worker then leaves as a pool's workers do.

KeyboardInterrupt can also strike just after a lock was taken and leave it held; where that
would block another thread for ever, or cut a commit in two, the interrupt is deferred to the
end of a short block (:func:`interrupts_deferred`). Standard library only.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import threading
from typing import Iterator

__all__ = ["abortable", "forked_pool", "interrupts_deferred"]


@contextlib.contextmanager
def forked_pool(workers: int) -> Iterator:
    """A ``ProcessPoolExecutor`` of ``workers`` forked processes that ignore SIGINT.

    On leaving the block the work not started yet is cancelled. On KeyboardInterrupt the
    pool's processes are terminated too (their :func:`abortable` functions stop), and the
    interrupt goes on once they have reported back.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    before = set(multiprocessing.active_children())
    with _interrupts_in_this_process_only():
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"), initializer=_init_worker)
        try:
            yield pool
        except KeyboardInterrupt:
            for child in set(multiprocessing.active_children()) - before:
                child.terminate()
            raise
        finally:
            # Waits for the running chunks (stopped, if terminated) and the pool's thread: the
            # exit would otherwise join it too, and on Python 3.11 race with it (OSError).
            pool.shutdown(cancel_futures=True)


def abortable(chunk):
    """Decorate a function that :func:`forked_pool` workers run: terminating the worker raises
    KeyboardInterrupt in it (its result), now or as soon as it is called."""

    @functools.wraps(chunk)
    def run(*args, **kwargs):
        global _IN_CHUNK
        _IN_CHUNK = True
        try:
            if _TERMINATED:
                raise KeyboardInterrupt
            return chunk(*args, **kwargs)
        finally:
            _IN_CHUNK = False

    return run


_IN_CHUNK = False
_TERMINATED = False


def _init_worker() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _terminated)


def _terminated(signum, frame) -> None:
    global _TERMINATED
    _TERMINATED = True
    if _IN_CHUNK:
        raise KeyboardInterrupt


@contextlib.contextmanager
def _interrupts_in_this_process_only() -> Iterator[None]:
    # The handler is inherited by fork, so a worker ignores SIGINT from its first instruction
    # (an ``initializer`` setting SIG_IGN would leave the moments before it runs uncovered).
    previous = _replaceable_handler()
    if previous is None:  # ignored or fatal already: the workers inherit that, and nothing hangs
        yield
        return
    parent = os.getpid()

    def handler(signum, frame):
        if os.getpid() == parent:
            previous(signum, frame)

    signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def interrupts_deferred() -> Iterator[None]:
    """SIGINT in the block takes effect at its end (in the main thread; elsewhere no SIGINT arrives)."""
    previous = _replaceable_handler()
    if previous is None:
        yield
        return
    caught: list[int] = []
    signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught:
            previous(signal.SIGINT, None)


def _replaceable_handler():
    """The Python handler of SIGINT, if there is one and this thread may replace it."""
    if threading.current_thread() is not threading.main_thread():
        return None
    handler = signal.getsignal(signal.SIGINT)
    return handler if callable(handler) else None
