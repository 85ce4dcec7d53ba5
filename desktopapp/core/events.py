"""The bus: thread-safe wake-ups from writers to whoever follows a batch.

A writer publishes "batch B has journal events up to N" after its transaction
commits. Subscribers are plain callables run on the publisher's thread; they must
be quick and thread-safe (set a `threading.Event`, or hop onto their own loop with
`loop.call_soon_threadsafe`). The bus carries no data: the journal is the data.
Behind this small interface a Redis pub/sub bus could replace it later.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

Listener = Callable[[int, int], None]


class EventBus:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: dict[int, Listener] = {}
        self._ids = itertools.count()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Register `listener(batch_id, head_event_id)`; returns the unsubscribe function."""
        with self._lock:
            key = next(self._ids)
            self._listeners[key] = listener

        def unsubscribe() -> None:
            with self._lock:
                self._listeners.pop(key, None)

        return unsubscribe

    def publish(self, batch_id: int, head_event_id: int) -> None:
        with self._lock:
            listeners = list(self._listeners.values())
        for listener in listeners:
            try:
                listener(batch_id, head_event_id)
            except Exception:  # one broken listener must not starve the others
                log.exception("bus listener failed")


class BatchWatcher:
    """A synchronous follower of one batch (the CLI and tests use it): wait for news."""

    def __init__(self, bus: EventBus, batch_id: int) -> None:
        self._batch_id = batch_id
        self._news = threading.Event()
        self._unsubscribe = bus.subscribe(self._on_publish)

    def _on_publish(self, batch_id: int, _head: int) -> None:
        if batch_id == self._batch_id:
            self._news.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until something was published for the batch since the last wait."""
        got = self._news.wait(timeout)
        self._news.clear()
        return got

    def close(self) -> None:
        self._unsubscribe()

    def __enter__(self) -> BatchWatcher:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
