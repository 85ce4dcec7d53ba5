"""Journal pages, read once and encoded once for every stream of a batch.

A `Page` is the journal rows of one batch after a cursor, as SSE `progress` events ready
to write, with each row's offset in the chunk: a stream whose cursor lies inside the page
gets the rows after its cursor (`Page.after`) without another read or encoding.

`PageReads` shares reads between the hub's broadcast and the streams that catch up on
their own: a read for (batch, cursor) is started by the first caller (the hub always
reads afresh); the others await the same result. A page is a snapshot of the journal at
read time: a caller that gets an older page simply reads again from its end. Results are
kept `TTL` seconds; an empty page is never kept (the next read after a commit must see
the new rows). `PageReads.shared` does the same for other per-(batch, cursor) results
(the final-state check).
"""

from __future__ import annotations

import asyncio
from bisect import bisect_right
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from desktopapp.core import progress
from desktopapp.core.journal import JournalEntry
from desktopapp.server.stream.sse import encode_event

TTL = 1.0

T = TypeVar("T")


@dataclass(frozen=True)
class Page:
    start: int  # the cursor the page was read after
    count: int
    last_id: int  # the cursor after this page
    final: bool  # its last row shows a finished batch
    chunk: bytes  # the rows as SSE `progress` events, ready to write
    ids: tuple[int, ...] = ()  # each row's journal id, increasing
    offsets: tuple[int, ...] = ()  # where each row's event starts in `chunk`

    def after(self, cursor: int) -> bytes:
        """The events of the rows with an id above `cursor` (b"" when there are none)."""
        if cursor <= self.start:
            return self.chunk
        index = bisect_right(self.ids, cursor)
        return self.chunk[self.offsets[index] :] if index < self.count else b""


def encode_page(rows: list[JournalEntry], cursor: int) -> Page:
    if not rows:
        return Page(cursor, 0, cursor, False, b"")
    events = [encode_event("progress", row.payload, row.id) for row in rows]
    offsets = []
    offset = 0
    for event in events:
        offsets.append(offset)
        offset += len(event)
    final = progress.is_final(str(rows[-1].payload.get("status")))
    return Page(
        cursor,
        len(rows),
        rows[-1].id,
        final,
        b"".join(events),
        tuple(row.id for row in rows),
        tuple(offsets),
    )


class PageReads:
    def __init__(self) -> None:
        self._pending: dict[Hashable, asyncio.Future[Any]] = {}

    async def read(
        self,
        batch_id: int,
        cursor: int,
        fetch: Callable[[], Awaitable[list[JournalEntry]]],
        *,
        fresh: bool = False,
    ) -> Page:
        """The page after `cursor`; `fresh`: read now (the hub, which must see every row
        committed before the news it serves), and share that read from now on."""

        async def make() -> Page:
            return encode_page(await fetch(), cursor)

        return await self.shared(("page", batch_id, cursor), make, keep=_not_empty, fresh=fresh)

    async def shared(
        self,
        key: Hashable,
        make: Callable[[], Awaitable[T]],
        keep: Callable[[T], bool] = lambda _result: True,
        *,
        fresh: bool = False,
    ) -> T:
        """`make()`'s result, computed once for everyone asking for `key` meanwhile (and
        for `TTL` seconds after, when `keep(result)`); `fresh`: compute it anew. The
        computation runs in a task of its own: a caller that is cancelled (its client
        left) cancels nobody else's read."""
        task = None if fresh else self._pending.get(key)
        if task is None:
            task = asyncio.ensure_future(make())
            self._pending[key] = task
            task.add_done_callback(lambda done: self._settled(key, done, keep))
        return await asyncio.shield(task)

    def _settled(self, key: Hashable, task: asyncio.Future[Any], keep: Callable[[Any], bool]):
        if not task.cancelled() and task.exception() is None and keep(task.result()):
            task.get_loop().call_later(TTL, self._forget, key, task)
        elif self._pending.get(key) is task:
            del self._pending[key]  # failed or empty: the next caller reads afresh

    def _forget(self, key: Hashable, task: asyncio.Future[Any]) -> None:
        if self._pending.get(key) is task:
            del self._pending[key]


def _not_empty(page: Page) -> bool:
    return page.count > 0
