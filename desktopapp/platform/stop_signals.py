"""Ctrl-C and SIGTERM for the programs without a window (`--headless`, `serve`, `worker`).

    with stop_on_signals() as stop:
        ...start...
        wait_until_set(stop)      # returns at the first Ctrl-C or SIGTERM

The previous handlers come back when the block ends.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator


@contextlib.contextmanager
def stop_on_signals() -> Iterator[threading.Event]:
    stop = threading.Event()

    def request_stop(_signum: int, _frame: object) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def wait_until_set(stop: threading.Event) -> None:
    # in slices: Python runs signal handlers between bytecodes, and an endless wait on
    # some platforms is not interrupted by them
    while not stop.wait(3600):
        pass
