"""Streams of one batch woken together share one journal read and one encoding.

Without this, N open streams turn every journal row into N identical queries and N
JSON encodings. A page read for (batch, cursor) is started by the first stream that
asks; the others await the same result. A page is a snapshot of the journal at read
time: a stream that gets an older page simply reads again (its hub subscription
says the head moved on). Entries are forgotten after `TTL` seconds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from desktopapp import progress
from desktopapp.journal import JournalEntry
from desktopapp.server.sse import encode_event

TTL = 1.0


@dataclass(frozen=True)
class Page:
    count: int
    last_id: int  # the cursor after this page
    final: bool  # its last row shows a finished batch
    chunk: bytes  # the rows as SSE `progress` events, ready to write


def encode_page(rows: list[JournalEntry], cursor: int) -> Page:
    if not rows:
        return Page(0, cursor, False, b"")
    chunk = b"".join(encode_event("progress", row.payload, row.id) for row in rows)
    final = progress.is_final(str(rows[-1].payload.get("status")))
    return Page(len(rows), rows[-1].id, final, chunk)


class PageReads:
    def __init__(self) -> None:
        self._pending: dict[tuple[int, int], asyncio.Future[Page]] = {}

    async def read(
        self, batch_id: int, cursor: int, fetch: Callable[[], Awaitable[list[JournalEntry]]]
    ) -> Page:
        key = (batch_id, cursor)
        future = self._pending.get(key)
        if future is None:
            loop = asyncio.get_running_loop()
            future = loop.create_future()
            self._pending[key] = future
            try:
                future.set_result(encode_page(await fetch(), cursor))
            except BaseException as exc:
                self._pending.pop(key, None)
                future.set_exception(exc)
                future.exception()  # retrieved: the waiters re-raise it, nobody else must
                raise
            loop.call_later(TTL, self._pending.pop, key, None)
        return await asyncio.shield(future)
