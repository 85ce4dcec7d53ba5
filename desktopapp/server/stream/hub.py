"""The stream hub: ONE bus listener per app, and ONE journal read and write-out per batch.

The bus calls `_on_publish` on writer threads. It records the announced heads per batch
under a lock and schedules at most one `_deliver` on the server loop at a time
(`call_soon_threadsafe`), so a burst of commits costs one loop wake-up.

Each watched batch has a `_Feed`. A stream is *live* on it while its own task is idle
(waiting for news, a ping or its deadline): the feed then writes the stream's new rows
itself. For news beyond its position, the feed's reader task reads the new journal rows
once (on the database threads, `PageSource.read_page`), encoded once
(`page_reads.Page`), and writes the page to every live stream, in one go and without
waking their tasks (`PhotoLotEventStream.write_nowait`: a healthy connection takes it at
once). Per live stream, by cursor (the newest journal id its client got): at the page's
start, the whole page; inside the page, the rows after the cursor; at or past its end,
nothing; before its start, the stream lacks rows the feed cannot give: hand it back.

A stream that is not live is served by its own task (stream.py), which writes with the
send deadline: while it opens (snapshot or replay), catches up, and after a hand-back.
The feed hands a stream back (takes it off live, ORs the reasons into `handback`, sets
its `wake`) when:
- its connection is congested (its transport asked writers to pause) or refused the
  write: the task waits for it with the send deadline, so a client that stops reading
  is cut off alone, then reads what it lacks;
- its cursor is behind the page, or the read failed (READ): the task reads itself;
- the page it got ends with a finished batch (FINAL): the task checks for `complete`;
- news came without new rows and the batch is gone or could not be checked (CHECK): the
  task checks the batch itself (and says `batch_not_found`); once the feed knows the batch
  is gone, a stream that tries to go live is told CHECK at once;
- the broadcast itself failed (a bug, logged; READ | FINAL): some streams may have the
  page, others not, and each task serves itself.

Everything here runs on the server loop and a broadcast never awaits, so a stream is
never written by the feed and its task at once, and ids stay in order without gap or
duplicate (each side writes only rows after `Subscription.cursor` and moves it). A
stream goes live only when the feed can serve its cursor (`go_live`), and its task takes
it off live before writing a final event (`complete`, `timeout`, `error`): after those,
only the close.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Protocol

from desktopapp.core.events import EventBus
from desktopapp.core.state import BatchNotFound

if TYPE_CHECKING:
    from desktopapp.server.stream.event_stream import PhotoLotEventStream
    from desktopapp.server.stream.page_reads import Page

log = logging.getLogger(__name__)

# Why a stream was handed back to its own task (bit flags, ORed):
READ = 1  # read the journal after your cursor yourself
FINAL = 2  # your last page ended with a finished batch: check for `complete`
CHECK = 4  # news without rows, and the batch may be gone: check it


class PageSource(Protocol):
    """How the feeds read the journal (stream.JournalPages). `read_page` must read
    afresh: the page must hold every row committed before the call."""

    page_size: int

    def read_page(self, batch_id: int, cursor: int) -> Awaitable[Page]: ...

    def head_id(self, batch_id: int) -> Awaitable[int]:
        """Raises state.BatchNotFound once the batch is deleted."""
        ...


class Subscription:
    """One open stream, as the hub sees it."""

    __slots__ = ("batch_id", "closing", "cursor", "handback", "live", "response", "wake")

    def __init__(self, batch_id: int) -> None:
        self.batch_id = batch_id
        self.cursor = 0  # the newest journal id written to the client (by anyone)
        self.response: PhotoLotEventStream | None = None  # set once prepared
        self.live = False  # the feed writes its rows; its task waits
        self.handback = 0  # why the feed stopped serving it (READ | FINAL | CHECK)
        self.closing = False  # the server is shutting down
        self.wake = asyncio.Event()  # set on hand-back and on shutdown

    def take_handback(self) -> int:
        reasons, self.handback = self.handback, 0
        return reasons


class _Feed:
    """One watched batch: its streams, the live ones, and where its reads are."""

    __slots__ = (
        "announced",
        "batch_id",
        "check",
        "gone",
        "live",
        "pending",
        "position",
        "reading",
        "subscriptions",
        "task",
    )

    def __init__(self, batch_id: int) -> None:
        self.batch_id = batch_id
        self.subscriptions: set[Subscription] = set()
        self.live: dict[Subscription, None] = {}  # every live cursor is >= position
        self.position: int | None = None  # where the next read starts
        self.announced = 0  # the newest head the bus announced
        self.pending = False  # news beyond `position`: read
        self.check = False  # news not beyond `position` (a late one, or a deletion): check
        self.reading = False  # a read from `position` is in flight
        self.gone = False  # the batch was deleted: no stream may go live on it
        self.task: asyncio.Task[None] | None = None  # the reader, while it has work


class StreamHub:
    def __init__(self, bus: EventBus, max_streams: int) -> None:
        self._bus = bus
        self._max_streams = max_streams
        self._loop: asyncio.AbstractEventLoop | None = None
        self._source: PageSource | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._feeds: dict[int, _Feed] = {}
        self._count = 0
        self._closing = False
        self._waiters: list[tuple[Callable[[], bool], asyncio.Future[None]]] = []
        # Shared with writer threads:
        self._lock = threading.Lock()
        self._watched: dict[int, int] = {}  # batch id → open streams
        self._pending: dict[int, tuple[int, int]] = {}  # batch id → (lowest, highest) head

    # -- lifecycle (server loop) -------------------------------------------------------

    def start(self, source: PageSource) -> None:
        self._loop = asyncio.get_running_loop()
        self._source = source
        self._unsubscribe = self._bus.subscribe(self._on_publish)

    def close_all(self) -> None:
        """Shutdown: refuse new streams and tell every open one to end now."""
        self._closing = True
        for feed in self._feeds.values():
            feed.live.clear()
            for subscription in feed.subscriptions:
                subscription.live = False
                subscription.closing = True
                subscription.wake.set()
        self._notify_changed()

    def stop(self) -> None:
        self.close_all()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        for feed in self._feeds.values():
            if feed.task is not None:
                feed.task.cancel()

    # -- streams (server loop) ---------------------------------------------------------

    @property
    def count(self) -> int:
        return self._count

    @property
    def closing(self) -> bool:
        return self._closing

    def live_count(self, batch_id: int) -> int:
        """Streams of the batch the feed currently writes to (tests and diagnostics)."""
        feed = self._feeds.get(batch_id)
        return len(feed.live) if feed is not None else 0

    def open(self, batch_id: int) -> Subscription | None:
        """Register a stream before it reads the journal; None when at the cap."""
        if self._closing or self._count >= self._max_streams:
            return None
        subscription = Subscription(batch_id)
        feed = self._feeds.get(batch_id)
        if feed is None:
            feed = self._feeds[batch_id] = _Feed(batch_id)
        feed.subscriptions.add(subscription)
        self._count += 1
        with self._lock:
            self._watched[batch_id] = self._watched.get(batch_id, 0) + 1
        self._notify_changed()
        return subscription

    def close(self, subscription: Subscription) -> None:
        feed = self._feeds.get(subscription.batch_id)
        if feed is None or subscription not in feed.subscriptions:
            return
        subscription.live = False
        feed.live.pop(subscription, None)
        feed.subscriptions.discard(subscription)
        if not feed.subscriptions:
            del self._feeds[subscription.batch_id]
            if feed.task is not None:
                feed.task.cancel()
        self._count -= 1
        with self._lock:
            left = self._watched.get(subscription.batch_id, 1) - 1
            if left:
                self._watched[subscription.batch_id] = left
            else:
                self._watched.pop(subscription.batch_id, None)
        self._notify_changed()

    def go_live(self, subscription: Subscription) -> bool:
        """The stream's task goes idle with its client at `subscription.cursor`: from now on
        the feed writes its rows. False when the feed cannot serve that cursor (it already
        wrote later rows to others: the task reads what it lacks, then tries again) or the
        batch is gone (`handback` says CHECK)."""
        feed = self._feeds.get(subscription.batch_id)
        if (
            feed is None
            or self._closing
            or subscription.closing
            or subscription.response is None
            or subscription not in feed.subscriptions
        ):
            return False
        if feed.gone:  # the stream checks the batch itself, and says so
            subscription.handback |= CHECK
            return False
        cursor = subscription.cursor
        if feed.position is None or not (feed.live or feed.reading):
            feed.position = cursor  # nobody else depends on where the feed reads
        elif cursor < feed.position:
            return False
        subscription.live = True
        subscription.handback = 0
        subscription.wake.clear()
        feed.live[subscription] = None
        if feed.announced > feed.position:
            feed.pending = True
        if (feed.pending or feed.check) and feed.task is None:
            self._spawn(feed)
        self._notify_changed()
        return True

    def leave(self, subscription: Subscription) -> None:
        """The stream's task writes again itself (or ends): the feed must not write to it."""
        if subscription.live:
            subscription.live = False
            feed = self._feeds.get(subscription.batch_id)
            if feed is not None:
                feed.live.pop(subscription, None)
            self._notify_changed()

    async def wait_for_count(self, predicate: Callable[[int], bool]) -> None:
        """Wait until `predicate(open streams)` holds (tests and diagnostics)."""
        await self.wait_until(lambda: predicate(self._count))

    async def wait_until(self, condition: Callable[[], bool]) -> None:
        """Wait until `condition()` holds; checked whenever a stream opens, closes, goes
        live or leaves (tests and diagnostics)."""
        if condition():
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (condition, waiter)
        self._waiters.append(entry)
        try:
            await waiter
        finally:
            if entry in self._waiters:
                self._waiters.remove(entry)

    def _notify_changed(self) -> None:
        if not self._waiters:
            return
        for condition, waiter in list(self._waiters):
            if not waiter.done() and condition():
                waiter.set_result(None)

    # -- the bus (writer threads) ------------------------------------------------------

    def _on_publish(self, batch_id: int, head: int) -> None:
        with self._lock:
            if batch_id not in self._watched:
                return
            first = not self._pending
            low, high = self._pending.get(batch_id, (head, head))
            self._pending[batch_id] = (min(low, head), max(high, head))
        if first and self._loop is not None:
            with contextlib.suppress(RuntimeError):  # a closed loop: the server is gone
                self._loop.call_soon_threadsafe(self._deliver)

    # -- the feeds (server loop) -------------------------------------------------------

    def _deliver(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, {}
        for batch_id, (low, high) in pending.items():
            feed = self._feeds.get(batch_id)
            if feed is None:
                continue
            feed.announced = max(feed.announced, high)
            position = feed.position
            if position is None or high > position:
                feed.pending = True
            if position is None or low <= position:
                feed.check = True
            if feed.live and feed.task is None:
                self._spawn(feed)

    def _spawn(self, feed: _Feed) -> None:
        assert self._loop is not None
        feed.task = self._loop.create_task(self._pump(feed))

    async def _pump(self, feed: _Feed) -> None:
        """The feed's reader: runs while it has live streams and work, then ends."""
        source = self._source
        assert source is not None
        try:
            while feed.live:
                if feed.pending:
                    feed.pending = False
                    await self._read(feed, source)
                elif feed.check:
                    feed.check = False
                    await self._check(feed, source)
                else:
                    return
        finally:
            if feed.task is asyncio.current_task():
                feed.task = None

    async def _read(self, feed: _Feed, source: PageSource) -> None:
        assert feed.position is not None
        feed.reading = True
        try:
            page = await source.read_page(feed.batch_id, feed.position)
        except Exception:  # each stream reads (and reports) for itself
            log.debug("journal read of batch %s failed", feed.batch_id, exc_info=True)
            self._hand_back_all(feed, READ)
            return
        finally:
            feed.reading = False
        try:
            self._broadcast(feed, page)
        except Exception:  # a bug: some streams may have got the page, a final one maybe
            log.exception("broadcast to the streams of batch %s failed", feed.batch_id)
            self._hand_back_all(feed, READ | FINAL)
            return
        if page.count >= source.page_size or (page.count and feed.announced > feed.position):
            feed.pending = True  # more rows than a page, or news meanwhile

    async def _check(self, feed: _Feed, source: PageSource) -> None:
        try:
            head = await source.head_id(feed.batch_id)
        except BatchNotFound:  # for good: batch ids are never reused
            feed.gone = True
            self._hand_back_all(feed, CHECK)
        except Exception:  # unknown: each stream checks (and reports) for itself
            log.debug("check of batch %s failed", feed.batch_id, exc_info=True)
            self._hand_back_all(feed, CHECK)
        else:
            if feed.position is not None and head > feed.position:
                feed.pending = True

    def _broadcast(self, feed: _Feed, page: Page) -> None:
        """Write `page` to every live stream that lacks its rows, now; hand back the rest."""
        if not page.count:
            return
        assert self._loop is not None
        start, last, chunk = page.start, page.last_id, page.chunk
        now = self._loop.time()
        handed_back: list[Subscription] = []
        for subscription in feed.live:
            cursor = subscription.cursor
            if cursor == start:
                data = chunk
            elif cursor >= last:
                continue
            elif cursor > start:
                data = page.after(cursor)
            else:  # rows between its cursor and the page are not in this page
                handed_back.append(subscription)
                continue
            response = subscription.response
            assert response is not None
            if response.write_nowait(data, now):
                subscription.cursor = last
                if response.congested:
                    handed_back.append(subscription)
            else:
                handed_back.append(subscription)
        feed.position = last
        reasons = READ | FINAL if page.final else READ
        for subscription in handed_back:
            self._hand_back(feed, subscription, reasons)
        if page.final:
            for subscription in [s for s in feed.live if s.cursor == last]:
                self._hand_back(feed, subscription, FINAL)
        if handed_back or page.final:
            self._notify_changed()

    def _hand_back_all(self, feed: _Feed, reasons: int) -> None:
        for subscription in list(feed.live):
            self._hand_back(feed, subscription, reasons)
        self._notify_changed()

    @staticmethod
    def _hand_back(feed: _Feed, subscription: Subscription, reasons: int) -> None:
        subscription.live = False
        feed.live.pop(subscription, None)
        subscription.handback |= reasons
        subscription.wake.set()
