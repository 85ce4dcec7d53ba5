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
  one write, instead of one write per `send()`;
- `write_nowait()`: the hub's broadcast writes a page to many streams from its own task,
  without waiting. It only writes while the connection keeps up (its transport has not
  asked writers to pause); the stream's own task then waits for it (`wait_writable()`)
  with the same send deadline as any write. It runs aiohttp's `StreamWriter.write`
  coroutine to its end without a loop turn (it only waits to drain, which it turns off);
  tests/test_server_broadcast.py fails if an aiohttp release changes that.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterator

from aiohttp import hdrs
from aiohttp.abc import AbstractStreamWriter
from aiohttp.web import BaseRequest
from aiohttp_sse import EventSourceResponse

from desktopapp.server.stream.sse import encode_event

log = logging.getLogger(__name__)

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
        with self._deadline():
            async with asyncio.timeout(self._send_timeout):
                await self.write(chunk)

    def write_nowait(self, chunk: bytes, now: float) -> bool:
        """Write `chunk` now without waiting (the hub's broadcast; `now` is the loop's
        time). False, with nothing written, when the stream cannot take it now: not
        started, ended, its connection closing, or its transport asked writers to pause
        (`congested`). The writer's own drain is skipped: the stream's task waits for the
        connection instead (`wait_writable`), with the send deadline."""
        writer = self._payload_writer
        if writer is None or self._eof_sent:
            return False
        protocol = writer.protocol
        transport = protocol.transport
        if transport is None or transport.is_closing() or protocol.writing_paused:
            return False
        before = writer.output_size
        step = writer.write(chunk, drain=False)
        try:
            step.send(None)
        except StopIteration:
            self._last_write = now
            return True
        except ConnectionError:
            return False
        # It waits. Only a compressing writer or one with a chunk hook does (before it
        # writes), and we set up neither: this is an aiohttp we do not know. Should it wait
        # after writing, the bytes are out: False would make the stream write them again.
        step.close()
        written = writer.output_size != before
        _warn_once(written)
        if written:
            self._last_write = now
        return written

    @property
    def congested(self) -> bool:
        """The transport holds more than its high-water mark and asked writers to pause."""
        writer = self._payload_writer
        return writer is not None and writer.protocol.writing_paused

    async def wait_writable(self) -> None:
        """Wait until the connection takes writes again (at once when it does), with the
        send deadline; fails like `send_chunk`."""
        writer = self._payload_writer
        if writer is None or not writer.protocol.writing_paused:
            return
        with self._deadline():
            async with asyncio.timeout(self._send_timeout):
                await writer.drain()

    @contextlib.contextmanager
    def _deadline(self) -> Iterator[None]:
        try:
            yield
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
        # next ping (`ping_due`, which the hub's writes push back too) and the maximum
        # duration. That task is the only one that ends the stream, and it takes the stream
        # off the hub's broadcast before it writes `complete`, `timeout` or `error`: after
        # those comes only the close, never a ping nor a page. A stalled ping fails like any
        # other write, in the task that has to stop.
        # So this task only marks the stream's lifetime: it runs until stop_streaming()
        # cancels it, which keeps wait(), is_connected() and `async with` meaningful.
        await asyncio.get_running_loop().create_future()


_warned = False


def _warn_once(written: bool) -> None:
    global _warned
    if not _warned:
        _warned = True
        log.warning(
            "aiohttp's StreamWriter.write waited %s: the stream hub %s; check this aiohttp",
            "after writing" if written else "before writing",
            "stopped it there" if written else "lets each stream write for itself (slower)",
        )
