"""`GET /api/batches/{id}/stream`: a batch's progress as Server-Sent Events (DESIGN.md).

    retry: 1000
    snapshot (or the journal replayed after Last-Event-ID) → live journal rows →
    complete | timeout | error, then close;   `ping` after silence.

With `?follow=1` (the window and the batch page) a finished batch's stream stays open
after `complete`: the mover's corrections (journal rows like any other) keep arriving as
`progress` events until the client leaves or `timeout`.

Each stream has its own task, `_Stream`. It writes the opening (retry, snapshot or
replay), then goes *live* on the hub: while live, the hub's feed for the batch writes
the new journal rows to it, one read and one encoding per page for all the batch's
streams (hub.py), and the task only sleeps on ONE timer for a hand-back, the next ping
and the maximum duration. When the hub hands the stream back (its client lags, it lacks
rows, the batch finished or may be gone), the task waits for the connection, reads
and writes what its client lacks itself, in pages, checks for `complete`, and goes live
again. Each of the task's writes has a deadline: a client that stops reading is cut
off alone.

The response is aiohttp-sse's `EventSourceResponse`, fitted to this protocol
(`event_stream.PhotoLotEventStream`: our headers, named pings after silence, page
writes with the library's send deadline and TCP_USER_TIMEOUT). The task is the only one
that ends the stream, and it leaves the hub's broadcast before it writes `complete`,
`timeout` or `error`, so nothing ever follows the final event.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Iterator
from dataclasses import dataclass
from typing import Any

from aiohttp import hdrs, web

from desktopapp.core import progress
from desktopapp.core.state import BatchNotFound
from desktopapp.server.context import ServerContext, context, parse_id
from desktopapp.server.errors import ApiError
from desktopapp.server.stream.event_stream import PhotoLotEventStream
from desktopapp.server.stream.hub import CHECK, FINAL, Subscription
from desktopapp.server.stream.page_reads import Page
from desktopapp.server.stream.sse import encode_event, encode_retry, parse_last_event_id

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
    subscription = ctx.hub.open(batch_id)  # before reading: the hub notes news from now on
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
        subscription.response = response
        stream = _Stream(ctx, response, subscription, follow=request.query.get("follow") == "1")
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


def read_page(
    ctx: ServerContext, batch_id: int, cursor: int, *, fresh: bool = False
) -> Awaitable[Page]:
    """The journal rows after `cursor`, a page of them, shared (page_reads)."""
    return ctx.page_reads.read(
        batch_id,
        cursor,
        lambda: ctx.run(ctx.api.events_after, batch_id, cursor, ctx.stream.page_size),
        fresh=fresh,
    )


class JournalPages:
    """How the hub's feeds read the journal (hub.PageSource)."""

    def __init__(self, ctx: ServerContext) -> None:
        self.ctx = ctx
        self.page_size = ctx.stream.page_size

    def read_page(self, batch_id: int, cursor: int) -> Awaitable[Page]:
        return read_page(self.ctx, batch_id, cursor, fresh=True)

    def head_id(self, batch_id: int) -> Awaitable[int]:
        return self.ctx.run(self.ctx.api.head_id, batch_id)


class _Stream:
    def __init__(
        self,
        ctx: ServerContext,
        response: PhotoLotEventStream,
        subscription: Subscription,
        *,
        follow: bool = False,
    ) -> None:
        self.ctx = ctx
        self.follow = follow  # stay after `complete`: corrections come later
        self.config = ctx.stream
        self.response = response
        self.subscription = subscription
        self.batch_id = subscription.batch_id
        self.loop = asyncio.get_running_loop()
        self.opening: Opening | None = None

    async def run(self) -> None:
        try:
            try:
                await self._run()
            finally:
                self.ctx.hub.leave(self.subscription)  # whatever happens, the hub stops here
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
        subscription = self.subscription
        opening, self.opening = self.opening, None
        assert opening is not None
        subscription.cursor = opening.cursor
        final, resumed = opening.final, not opening.chunk
        first_chunk = encode_retry(self.config.retry_ms) + opening.chunk
        del opening
        await self._write(first_chunk)
        del first_chunk
        if final and not self.follow:
            return
        completed = final  # `complete` was written (a following stream goes on)
        must_read = resumed  # a replay: the rows after the client's id, by this task
        check_final = resumed  # after a resume the current status is unknown: check it once
        check_batch = False
        while True:
            if must_read:
                check_final = await self._catch_up() or check_final
                must_read = False
            if check_batch:  # news without rows: is the batch still there? (raises if not)
                check_batch = False
                if await self.ctx.run(self.ctx.api.head_id, self.batch_id) > subscription.cursor:
                    must_read = True
                    continue
            if check_final and completed:
                check_final = False
            if check_final:
                check = await self.ctx.page_reads.shared(
                    ("final", self.batch_id, subscription.cursor),
                    lambda: self.ctx.run(_check_final, self.ctx, self.batch_id),
                )
                if check.head > subscription.cursor:  # more rows arrived meanwhile: read them
                    must_read = True
                    continue
                if check.complete is not None:
                    await self._write(check.complete)
                    if not self.follow:
                        return
                    completed = True
                check_final = False
            handback = await self._wait(deadline)
            if handback is None:
                return
            # Handed back (or the hub could not take us): the client may lag, may lack
            # rows; the batch may have finished, or be gone.
            await self._wait_writable()
            must_read = True
            check_final = check_final or bool(handback & FINAL)
            check_batch = bool(handback & CHECK)

    async def _catch_up(self) -> bool:
        """Write every journal row after the cursor, a page per chunk; True if now final."""
        subscription = self.subscription
        final = False
        while True:
            page = await read_page(self.ctx, self.batch_id, subscription.cursor)
            chunk = page.after(subscription.cursor)  # a shared page may start earlier
            if chunk:
                await self._write(chunk)
                subscription.cursor = page.last_id
                final = page.final
            if page.count < self.config.page_size:
                return final

    async def _wait(self, deadline: float) -> int | None:
        """Live on the hub until it hands the stream back (the reasons, hub.READ etc.), or
        send ping / timeout meanwhile; None: the stream must end."""
        subscription = self.subscription
        hub = self.ctx.hub
        if not hub.go_live(subscription):
            return None if subscription.closing or hub.closing else subscription.take_handback()
        try:
            while True:
                if subscription.closing:
                    return None
                if not subscription.live:
                    return subscription.take_handback()
                now = self.loop.time()
                if now >= deadline:
                    hub.leave(subscription)
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
        finally:
            hub.leave(subscription)

    async def _write(self, chunk: bytes) -> None:
        with self._sending():
            await self.response.send_chunk(chunk)

    async def _ping(self) -> None:
        with self._sending():
            await self.response.send_ping()

    async def _wait_writable(self) -> None:
        with self._sending():
            await self.response.wait_writable()

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
