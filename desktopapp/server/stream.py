"""`GET /api/batches/{id}/stream`: a batch's progress as Server-Sent Events (DESIGN.md).

    retry: 1000
    snapshot (or the journal replayed after Last-Event-ID) → live journal rows →
    complete | timeout | error, then close;   `ping` after silence.

A stream sleeps on its hub subscription; when the bus announces rows beyond its
cursor it reads them from the journal, in pages, and writes each page in one
chunk. Each write has a deadline: a client that stops reading is cut off alone.

The response is aiohttp-sse's `EventSourceResponse`, fitted to this protocol
(`event_stream.PhotoLotEventStream`: our headers, named pings after silence, page
writes with the library's send deadline and TCP_USER_TIMEOUT). One task, `_Stream`,
writes everything, pings included, so nothing ever follows the final event.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from aiohttp import hdrs, web

from desktopapp import progress
from desktopapp.server.context import ServerContext, context, parse_id
from desktopapp.server.errors import ApiError
from desktopapp.server.event_stream import PhotoLotEventStream
from desktopapp.server.hub import Subscription
from desktopapp.server.sse import encode_event, encode_retry, parse_last_event_id
from desktopapp.state import BatchNotFound

log = logging.getLogger(__name__)

RETRY_AFTER_FULL = 5  # seconds suggested to a client turned away at the stream cap
SHUTDOWN_EOF_TIMEOUT = 0.25


class StreamClosed(Exception):
    """The client is gone (or was cut off): stop without writing anything else."""


@dataclass(frozen=True)
class Opening:
    cursor: int  # the journal id the client has seen (explicitly, or through the snapshot)
    chunk: bytes  # the snapshot event (+ `complete` for a finished batch); b"" on a resume
    final: bool  # the batch is finished: `chunk` ends with `complete`


@dataclass(frozen=True)
class FinalCheck:
    head: int
    complete: bytes | None  # the `complete` event when the batch is finished at `head`


def requested_resume(request: web.Request) -> int | None:
    """The client's Last-Event-ID: the header (set by EventSource on reconnect) wins."""
    raw = request.headers.get("Last-Event-ID")
    if raw is None or not raw.strip():
        raw = request.query.get("lastEventId")
    return parse_last_event_id(raw)


def complete_payload(snapshot: dict[str, Any]) -> dict[str, Any]:
    final = dict(snapshot)
    final.pop("snapshot", None)
    return final


async def stream_handler(request: web.Request) -> web.StreamResponse:
    ctx = context(request)
    batch_id = parse_id(request.match_info["batch_id"])
    resume = requested_resume(request)
    subscription = ctx.hub.open(batch_id)  # before reading: no wake-up can be missed
    if subscription is None:
        raise ApiError(
            429,
            "too_many_streams",
            f"Too many live progress views are open ({ctx.stream.max_streams}). "
            "Close some PhotoLot tabs, then try again.",
            headers={hdrs.RETRY_AFTER: str(RETRY_AFTER_FULL)},
        )
    try:
        try:
            opening = await ctx.run(_open, ctx, batch_id, resume)
        except BatchNotFound:
            raise ApiError(404, "batch_not_found", f"There is no batch {batch_id}.") from None
        response = PhotoLotEventStream(
            send_timeout=ctx.stream.send_timeout, ping_interval=ctx.stream.ping_interval
        )
        await response.prepare(request)
        stream = _Stream(ctx, response, subscription)
        stream.opening = opening
        del opening  # the stream drops the snapshot once written: idle streams stay small
        async with response:  # on the way out, however: stop_streaming() and wait()
            await stream.run()
        return response
    finally:
        ctx.hub.close(subscription)


def _open(ctx: ServerContext, batch_id: int, resume: int | None) -> Opening:
    """On the database threads: where the stream starts, with its first events encoded."""
    if resume is not None and resume <= ctx.api.head_id(batch_id):
        return Opening(resume, b"", False)
    snapshot, head = ctx.api.snapshot_at_head(batch_id)
    chunk = encode_event("progress", snapshot, head)
    final = progress.is_final(snapshot["status"])
    if final:
        chunk += encode_event("complete", complete_payload(snapshot))
    return Opening(head, chunk, final)


def _check_final(ctx: ServerContext, batch_id: int) -> FinalCheck:
    snapshot, head = ctx.api.snapshot_at_head(batch_id)
    if progress.is_final(snapshot["status"]):
        return FinalCheck(head, encode_event("complete", complete_payload(snapshot)))
    return FinalCheck(head, None)


class _Stream:
    def __init__(
        self,
        ctx: ServerContext,
        response: PhotoLotEventStream,
        subscription: Subscription,
    ) -> None:
        self.ctx = ctx
        self.config = ctx.stream
        self.response = response
        self.subscription = subscription
        self.batch_id = subscription.batch_id
        self.loop = asyncio.get_running_loop()
        self.opening: Opening | None = None

    async def run(self) -> None:
        try:
            await self._run()
            await self._finish()
        except StreamClosed:
            pass
        except BatchNotFound:
            await self._fail("batch_not_found", "This batch no longer exists.")
        except Exception:
            log.exception("stream of batch %s failed", self.batch_id)
            await self._fail(
                "server_error", "PhotoLot hit an unexpected problem; reload the page to go on."
            )

    async def _run(self) -> None:
        deadline = self.loop.time() + self.config.max_duration
        opening, self.opening = self.opening, None
        assert opening is not None
        cursor, final, resumed = opening.cursor, opening.final, not opening.chunk
        first_chunk = encode_retry(self.config.retry_ms) + opening.chunk
        del opening
        await self._write(first_chunk)
        del first_chunk
        if final:
            return
        must_read = resumed or self.subscription.head > cursor
        check_final = resumed  # after a resume the current status is unknown: check it once
        while True:
            if must_read:
                cursor, final_seen = await self._catch_up(cursor)
                check_final = check_final or final_seen
            if check_final:
                check = await self.ctx.run(_check_final, self.ctx, self.batch_id)
                if check.head > cursor:  # more rows arrived meanwhile: read them first
                    must_read = True
                    continue
                if check.complete is not None:
                    await self._write(check.complete)
                    return
                check_final = False
            must_read = await self._wait(cursor, deadline)
            if must_read is None:
                return

    async def _catch_up(self, cursor: int) -> tuple[int, bool]:
        """Write every journal row after `cursor`, a page per chunk; True if now final."""
        final = False
        page_size = self.config.page_size
        while True:
            page = await self.ctx.page_reads.read(
                self.batch_id,
                cursor,
                lambda at=cursor: self.ctx.run(
                    self.ctx.api.events_after, self.batch_id, at, page_size
                ),
            )
            if page.count:
                await self._write(page.chunk)
                cursor = page.last_id
                final = page.final
            if page.count < page_size:
                return cursor, final

    async def _wait(self, cursor: int, deadline: float) -> bool | None:
        """Sleep until news (True), or send ping / timeout; None: the stream must end."""
        subscription = self.subscription
        while True:
            now = self.loop.time()
            if subscription.closing:
                return None
            if now >= deadline:
                await self._write(encode_event("timeout", {"reconnect": True}))
                return None
            ping_at = self.response.ping_due  # ping_interval after the last write
            if now >= ping_at:
                await self._ping()
                continue
            try:
                async with asyncio.timeout(min(ping_at, deadline) - now):
                    await subscription.wake.wait()
            except TimeoutError:
                continue
            subscription.wake.clear()
            if subscription.closing:
                return None
            if subscription.head > cursor:
                return True
            # Woken without news beyond our cursor: rows we already read, or the batch
            # was deleted (a deleter publishes too). head_id raises BatchNotFound then.
            if await self.ctx.run(self.ctx.api.head_id, self.batch_id) > cursor:
                return True

    async def _write(self, chunk: bytes) -> None:
        with self._sending():
            await self.response.send_chunk(chunk)

    async def _ping(self) -> None:
        with self._sending():
            await self.response.send_ping()

    @contextlib.contextmanager
    def _sending(self) -> Iterator[None]:
        try:
            yield
        except TimeoutError:  # past send_timeout: the response already aborted the transport
            log.info("stream of batch %s: the client stopped reading; closing", self.batch_id)
            raise StreamClosed from None
        except (ConnectionError, RuntimeError) as exc:  # gone, or written after EOF
            raise StreamClosed from exc

    async def _finish(self) -> None:
        # At shutdown a stalled client must not hold the server up.
        limit = SHUTDOWN_EOF_TIMEOUT if self.subscription.closing else self.config.send_timeout
        try:
            async with asyncio.timeout(limit):
                await self.response.write_eof()
        except TimeoutError:
            self.response.abort()
        except (ConnectionError, RuntimeError):
            pass

    async def _fail(self, code: str, message: str) -> None:
        try:
            await self._write(encode_event("error", {"code": code, "message": message}))
            await self._finish()
        except StreamClosed:
            pass
