"""`PhotoLotEventStream`: aiohttp-sse's `EventSourceResponse`, fitted to our stream protocol.

Taken from the library as it is:
- `prepare()`: GET only, chunked encoding, and (Linux) TCP_USER_TIMEOUT = `send_timeout`,
  so the kernel drops a peer that stops acknowledging data, even between our writes;
  `write_eof()` restores the socket option;
- the send deadline of `send()`: a write that does not finish within `send_timeout`
  stops the stream and aborts the transport (`send_chunk` applies it to whole pages);
- the lifecycle: `stop_streaming()`, `wait()`, `async with response:`.

Changed (DESIGN.md, "Stream protocol"):
- headers: `text/event-stream; charset=utf-8`, `no-cache, no-transform` (no proxy may
  compress or buffer the stream), and no `Connection: keep-alive`: the stream always ends
  with a close, so aiohttp sends `Connection: close`;
- pings: a named `ping` event `{"timestamp": ms}` after `ping_interval` seconds of silence,
  instead of `: ping` comments on a fixed timer (see `_ping`);
- events are encoded by `sse.encode_event` (LF line ends) and a page of them goes out in
  one write, instead of one write per `send()`.
"""

from __future__ import annotations

import asyncio
import time

from aiohttp import hdrs
from aiohttp.abc import AbstractStreamWriter
from aiohttp.web import BaseRequest
from aiohttp_sse import EventSourceResponse

from desktopapp.server.sse import encode_event

STREAM_HEADERS = {
    hdrs.CONTENT_TYPE: "text/event-stream; charset=utf-8",
    hdrs.CACHE_CONTROL: "no-cache, no-transform",
    "X-Accel-Buffering": "no",
}


class PhotoLotEventStream(EventSourceResponse):
    def __init__(self, *, send_timeout: float | None, ping_interval: float) -> None:
        super().__init__(sep="\n", send_timeout=send_timeout, ping_interval=ping_interval)
        self.headers.update(STREAM_HEADERS)  # the library's own values lack charset/no-transform
        self.headers.popall(hdrs.CONNECTION, None)
        self.force_close()  # "then close": no keep-alive after the stream ends
        self._last_write = 0.0

    @property
    def ping_interval(self) -> float:
        return self._ping_interval

    @property
    def send_timeout(self) -> float | None:
        return self._send_timeout

    @property
    def ping_due(self) -> float:
        """Event-loop time at which the silence calls for a `ping`."""
        return self._last_write + self._ping_interval

    async def prepare(self, request: BaseRequest) -> AbstractStreamWriter | None:
        if not self.prepared and request.transport is None:
            # The library asserts on this; a plain StreamResponse would fail to write the
            # headers with a ConnectionResetError, which the server treats as "client gone".
            raise ConnectionResetError("the client left before the stream started")
        writer = await super().prepare(request)
        self._last_write = asyncio.get_running_loop().time()
        return writer

    async def write(self, data: bytes | bytearray | memoryview) -> None:
        await super().write(data)
        self._last_write = asyncio.get_running_loop().time()

    async def send_chunk(self, chunk: bytes) -> None:
        """Write already-encoded events (a whole page of them) at once, with `send()`'s
        deadline: TimeoutError once the stream is stopped and the transport aborted (a
        stalled peer never drains, so a graceful close would hang too);
        ConnectionResetError once the stream is stopped when the peer is gone."""
        try:
            async with asyncio.timeout(self._send_timeout):
                await self.write(chunk)
        except ConnectionResetError:
            self.stop_streaming()
            raise
        except TimeoutError:
            self.stop_streaming()
            self._abort_transport()
            raise

    async def send_ping(self) -> None:
        await self.send_chunk(encode_event("ping", {"timestamp": int(time.time() * 1000)}))

    def abort(self) -> None:
        """Stop streaming and drop the connection now (no graceful close)."""
        if self._ping_task is not None:
            self.stop_streaming()
        self._abort_transport()

    def is_connected(self) -> bool:
        """Prepared, not stopped, and the connection still open. (The library learns
        that a peer is gone from a failed ping; our pings are not on a timer.)"""
        transport = self._req.transport if self._req is not None else None
        return super().is_connected() and transport is not None and not transport.is_closing()

    async def _ping(self) -> None:
        # The library runs this as a task from prepare() on and writes `: ping` comments
        # every `ping_interval` seconds from it. We don't ping from here: our pings are
        # named events sent only after silence, and they are written by the stream's own
        # task (stream.py, `_Stream._wait`), which already sleeps on ONE timer for news, the
        # next ping (`ping_due`) and the maximum duration. A single writer keeps the order
        # the protocol promises (after `complete`, `timeout` or `error` comes only the
        # close, never a ping) and makes a stalled ping fail like any other write, in the
        # task that has to stop; a second writing task would need its own way to tell it.
        # So this task only marks the stream's lifetime: it runs until stop_streaming()
        # cancels it, which keeps wait(), is_connected() and `async with` meaningful.
        await asyncio.get_running_loop().create_future()
