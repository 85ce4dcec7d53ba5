"""The stream hub: ONE bus listener per app, waking the open streams of a batch.

The bus calls `_on_publish` on writer threads. It records the newest head per
batch under a lock and schedules at most one `_deliver` on the server loop at a
time (`call_soon_threadsafe`), so a burst of commits costs one loop wake-up.
`_deliver` sets each interested stream's asyncio.Event; the stream then reads its
new journal rows itself. No polling anywhere.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable

from desktopapp.events import EventBus

log = logging.getLogger(__name__)


class Subscription:
    """One open stream's mailbox: `wake` is set when its batch has news or on shutdown."""

    __slots__ = ("batch_id", "closing", "head", "wake")

    def __init__(self, batch_id: int) -> None:
        self.batch_id = batch_id
        self.head = 0  # newest journal id the bus announced for the batch
        self.closing = False  # the server is shutting down
        self.wake = asyncio.Event()


class StreamHub:
    def __init__(self, bus: EventBus, max_streams: int) -> None:
        self._bus = bus
        self._max_streams = max_streams
        self._loop: asyncio.AbstractEventLoop | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._by_batch: dict[int, set[Subscription]] = {}
        self._count = 0
        self._closing = False
        self._count_waiters: list[tuple[Callable[[int], bool], asyncio.Future[None]]] = []
        # Shared with writer threads:
        self._lock = threading.Lock()
        self._watched: dict[int, int] = {}  # batch id → open streams
        self._pending: dict[int, int] = {}  # batch id → newest head not yet delivered

    # -- lifecycle (server loop) -------------------------------------------------------

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._unsubscribe = self._bus.subscribe(self._on_publish)

    def close_all(self) -> None:
        """Shutdown: refuse new streams and tell every open one to end now."""
        self._closing = True
        for subscriptions in self._by_batch.values():
            for subscription in subscriptions:
                subscription.closing = True
                subscription.wake.set()

    def stop(self) -> None:
        self.close_all()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    # -- streams (server loop) ---------------------------------------------------------

    @property
    def count(self) -> int:
        return self._count

    @property
    def closing(self) -> bool:
        return self._closing

    def open(self, batch_id: int) -> Subscription | None:
        """Register a stream before it reads the journal; None when at the cap."""
        if self._closing or self._count >= self._max_streams:
            return None
        subscription = Subscription(batch_id)
        self._by_batch.setdefault(batch_id, set()).add(subscription)
        self._count += 1
        with self._lock:
            self._watched[batch_id] = self._watched.get(batch_id, 0) + 1
        self._notify_changed()
        return subscription

    def close(self, subscription: Subscription) -> None:
        subscriptions = self._by_batch.get(subscription.batch_id)
        if not subscriptions or subscription not in subscriptions:
            return
        subscriptions.discard(subscription)
        if not subscriptions:
            del self._by_batch[subscription.batch_id]
        self._count -= 1
        with self._lock:
            left = self._watched.get(subscription.batch_id, 1) - 1
            if left:
                self._watched[subscription.batch_id] = left
            else:
                self._watched.pop(subscription.batch_id, None)
        self._notify_changed()

    async def wait_for_count(self, predicate: Callable[[int], bool]) -> None:
        """Wait until `predicate(open streams)` holds (tests and diagnostics)."""
        if predicate(self._count):
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (predicate, waiter)
        self._count_waiters.append(entry)
        try:
            await waiter
        finally:
            if entry in self._count_waiters:
                self._count_waiters.remove(entry)

    def _notify_changed(self) -> None:
        for predicate, waiter in list(self._count_waiters):
            if not waiter.done() and predicate(self._count):
                waiter.set_result(None)

    # -- the bus (writer threads) ------------------------------------------------------

    def _on_publish(self, batch_id: int, head: int) -> None:
        with self._lock:
            if batch_id not in self._watched:
                return
            first = not self._pending
            self._pending[batch_id] = max(head, self._pending.get(batch_id, 0))
        if first and self._loop is not None:
            with contextlib.suppress(RuntimeError):  # a closed loop: the server is gone
                self._loop.call_soon_threadsafe(self._deliver)

    def _deliver(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, {}
        for batch_id, head in pending.items():
            for subscription in self._by_batch.get(batch_id, ()):
                subscription.head = max(subscription.head, head)
                subscription.wake.set()
