"""Snapshot streams: the batch list (`GET /api/batches/stream`, the index page) and the
queue dashboard (`GET /api/queue/stream`), live, without polling.

    retry: 1000
    event: batches   data: {"batches": [...]}     (at once, then after each change)
    event: ping      after silence;   event: timeout after max_duration, then close

Any journal commit (a new batch, a photo done, a correction, a deletion) wakes the
stream through the bus; the list is read again at most every `MIN_INTERVAL` seconds, so
a batch of 1,000 photos costs a few reads a second, not a thousand. Only the newest list
is ever sent (a slow reader skips the lists in between).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

from aiohttp import web

from desktopapp.server.context import ServerContext, context
from desktopapp.server.errors import ApiError
from desktopapp.server.stream.event_stream import PhotoLotEventStream
from desktopapp.server.stream.sse import encode_event, encode_retry

MIN_INTERVAL = 0.25  # seconds between two reads of the list
MAX_LIST_STREAMS = 32


async def batch_list_stream(request: web.Request) -> web.StreamResponse:
    ctx = context(request)
    return await snapshot_stream(
        request, "batches", lambda: json.dumps({"batches": ctx.api.list_batches()})
    )


async def queue_stream(request: web.Request) -> web.StreamResponse:
    """`queue` events: the dashboard (core.queue_dashboard), after each change."""
    ctx = context(request)
    return await snapshot_stream(request, "queue", lambda: json.dumps(ctx.api.queue_dashboard()))


async def snapshot_stream(
    request: web.Request, event: str, read: Callable[[], str]
) -> web.StreamResponse:
    """`event` with `read()` (JSON text, on a database thread) at once, then again after
    each change the bus announces; each with a rising `id:` (a reconnection gets the
    current state: nothing to replay)."""
    ctx = context(request)
    if ctx.list_streams >= MAX_LIST_STREAMS:
        raise ApiError(429, "too_many_streams", "Too many live batch lists are open.")
    loop = asyncio.get_running_loop()
    news = asyncio.Event()
    unsubscribe = ctx.api.bus.subscribe(lambda _batch, _head: loop.call_soon_threadsafe(news.set))
    ctx.list_streams += 1
    try:
        response = PhotoLotEventStream(
            send_timeout=ctx.stream.send_timeout, ping_interval=ctx.stream.ping_interval
        )
        await response.prepare(request)
        async with response:
            await _serve(ctx, response, news, loop, event, read)
        return response
    finally:
        unsubscribe()
        ctx.list_streams -= 1


async def _serve(
    ctx: ServerContext,
    response: PhotoLotEventStream,
    news: asyncio.Event,
    loop: asyncio.AbstractEventLoop,
    event: str,
    read: Callable[[], str],
) -> None:
    deadline = loop.time() + ctx.stream.max_duration
    last = b""
    generation = 0
    await response.send_chunk(encode_retry(ctx.stream.retry_ms))
    try:
        while True:
            news.clear()
            body = await ctx.run(read)
            if body.encode() != last:  # the same state again: nothing to send
                last = body.encode()
                generation += 1
                await response.send_chunk(encode_event(event, body, generation))
            await asyncio.sleep(MIN_INTERVAL)  # rate limit between reads, not a poll
            while not news.is_set():
                now = loop.time()
                if now >= deadline:
                    await response.send_chunk(encode_event("timeout", {"reconnect": True}))
                    return
                if now >= response.ping_due:
                    await response.send_ping()
                    continue
                try:
                    async with asyncio.timeout(min(response.ping_due, deadline) - now):
                        await news.wait()
                except TimeoutError:
                    continue
    except (ConnectionError, RuntimeError, TimeoutError):
        return  # the client left, or stopped reading
