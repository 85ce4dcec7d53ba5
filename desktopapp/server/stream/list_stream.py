"""`GET /api/batches/stream`: the batch list, live, for the index page (no polling).

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

from aiohttp import web

from desktopapp.server.context import ServerContext, context
from desktopapp.server.errors import ApiError
from desktopapp.server.stream.event_stream import PhotoLotEventStream
from desktopapp.server.stream.sse import encode_event, encode_retry

MIN_INTERVAL = 0.25  # seconds between two reads of the list
MAX_LIST_STREAMS = 32


async def batch_list_stream(request: web.Request) -> web.StreamResponse:
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
            await _serve(ctx, response, news, loop)
        return response
    finally:
        unsubscribe()
        ctx.list_streams -= 1


async def _serve(
    ctx: ServerContext,
    response: PhotoLotEventStream,
    news: asyncio.Event,
    loop: asyncio.AbstractEventLoop,
) -> None:
    deadline = loop.time() + ctx.stream.max_duration
    last = b""
    await response.send_chunk(encode_retry(ctx.stream.retry_ms))
    try:
        while True:
            news.clear()
            body = await ctx.run(lambda: json.dumps({"batches": ctx.api.list_batches()}))
            if body.encode() != last:  # the same list again (e.g. a ping-only change): skip
                last = body.encode()
                await response.send_chunk(encode_event("batches", body))
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
