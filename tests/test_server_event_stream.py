"""The stream's response is aiohttp-sse's, fitted to our protocol (event_stream.py)."""

from __future__ import annotations

import asyncio
import itertools
import socket
import time

import aiohttp_sse
from aiohttp import web

from desktopapp.server import StreamConfig
from desktopapp.server.stream.event_stream import PhotoLotEventStream
from tests.test_server_support import WAIT

pytest_plugins = ["tests.test_server_support"]

TCP_USER_TIMEOUT = getattr(socket, "TCP_USER_TIMEOUT", None)


def test_headers_are_ours_and_the_connection_closes() -> None:
    response = PhotoLotEventStream(send_timeout=5.0, ping_interval=2.0)
    assert isinstance(response, aiohttp_sse.EventSourceResponse)
    assert response.headers["Content-Type"] == "text/event-stream; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-cache, no-transform"
    assert response.headers["X-Accel-Buffering"] == "no"
    assert "Connection" not in response.headers  # aiohttp writes `close` (force_close)
    assert response.keep_alive is False
    assert (response.send_timeout, response.ping_interval) == (5.0, 2.0)


async def test_stream_endpoint_is_an_aiohttp_sse_response(make_harness, photos, monkeypatch):
    prepared: list[tuple[aiohttp_sse.EventSourceResponse, int | None]] = []
    library_prepare = aiohttp_sse.EventSourceResponse.prepare

    async def recording_prepare(self, request):
        writer = await library_prepare(self, request)
        sock = request.transport.get_extra_info("socket")
        user_timeout = (
            sock.getsockopt(socket.IPPROTO_TCP, TCP_USER_TIMEOUT) if TCP_USER_TIMEOUT else None
        )
        prepared.append((self, user_timeout))
        return writer

    monkeypatch.setattr(aiohttp_sse.EventSourceResponse, "prepare", recording_prepare)
    harness = await make_harness(stream=StreamConfig(send_timeout=3.0))
    batch_id = await harness.create_batch(photos[:1])
    stream = await harness.open_stream(batch_id)
    assert (await stream.next()).type == "progress"
    assert stream.response.headers["Connection"] == "close"

    [(response, user_timeout)] = prepared
    assert isinstance(response, PhotoLotEventStream)
    assert response.is_connected()
    if TCP_USER_TIMEOUT is not None:  # Linux: the kernel drops a peer that stops acknowledging
        assert user_timeout == 3000

    stream.response.close()
    await asyncio.wait_for(harness.hub.wait_for_count(lambda n: n == 0), WAIT)
    await asyncio.wait_for(response.wait(), 1.0)  # stop_streaming() ran on the way out
    assert not response.is_connected()


async def test_pings_are_named_events_after_silence_never_comments(make_harness, photos):
    interval = 0.2
    harness = await make_harness(stream=StreamConfig(ping_interval=interval))
    batch_id = await harness.create_batch(photos[:1])
    stream = await harness.open_stream(batch_id)
    await stream.next()
    arrivals = [time.monotonic()]
    for _ in range(3):
        ping = await stream.next(timeout=5)
        arrivals.append(time.monotonic())
        assert ping.type == "ping" and not ping.has_id
    stream.response.close()

    assert stream.parser.comments == [], "the library's `: ping` comments must never go out"
    assert not [line for line in bytes(stream.raw).splitlines() if line.startswith(b":")]
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    assert min(gaps) >= interval * 0.5, gaps  # one ping per interval of silence, no more


async def test_send_chunk_deadline_stops_the_stream_and_aborts_a_stalled_peer(aiohttp_server):
    send_timeout = 0.5
    outcome: asyncio.Future[tuple[float, bool, bool]] = asyncio.get_running_loop().create_future()

    async def handler(request: web.Request) -> web.StreamResponse:
        response = PhotoLotEventStream(send_timeout=send_timeout, ping_interval=60)
        await response.prepare(request)
        loop = asyncio.get_running_loop()
        async with response:
            started = loop.time()
            try:
                for _ in range(1000):  # 64 MB: far more than a stalled peer's buffers absorb
                    await response.send_chunk(b"data: " + b"x" * 65_536 + b"\n\n")
            except TimeoutError:
                transport = request.transport
                aborted = transport is None or transport.is_closing()
                outcome.set_result((loop.time() - started, response.is_connected(), aborted))
        return response

    app = web.Application()
    app.router.add_get("/", handler)
    server = await aiohttp_server(app)

    stalled = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a tiny window, never read
    stalled.setblocking(False)
    loop = asyncio.get_running_loop()
    try:
        await loop.sock_connect(stalled, ("127.0.0.1", server.port))
        await loop.sock_sendall(stalled, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        elapsed, connected, aborted = await asyncio.wait_for(outcome, WAIT)
    finally:
        stalled.close()
    assert elapsed >= send_timeout * 0.9
    assert not connected and aborted
