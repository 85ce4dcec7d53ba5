"""Connections that never send a request are closed, and only so many may wait at once.

aiohttp reads a connection's first request for as long as the client likes: 1,100 sockets
opened and left silent held 1,100 file descriptors, and past the process's limit the
window itself got no answer (`Errno 24`). Here each new connection has `header_timeout`
seconds to get a request started (the guard's middleware sees it), else it is closed; at
most `max_waiting` connections may be waiting at once: past that, the one waiting longest
is dropped. Clients of PhotoLot (the window, a browser, scripts) send their request right
away, so a flood of silent sockets evicts itself, never the client that talks.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)

HEADER_TIMEOUT = 10.0
MAX_WAITING = 256


class ConnectionGuard:
    def __init__(self, header_timeout: float = HEADER_TIMEOUT, max_waiting: int = MAX_WAITING):
        self.header_timeout = header_timeout
        self.max_waiting = max_waiting
        self._waiting: dict[Any, asyncio.TimerHandle] = {}  # transport → its deadline
        self.closed_silent = 0  # connections closed for sending nothing in time
        self.evicted = 0  # silent connections dropped because too many were waiting

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def protocol_factory(self, make_protocol: Callable[[], Any]) -> Callable[[], Any]:
        """Wrap aiohttp's protocol factory (`runner.server`) to watch each connection."""
        return lambda: _Watched(make_protocol(), self)

    def _arrived(self, transport: Any) -> None:
        while len(self._waiting) >= self.max_waiting:
            oldest = next(iter(self._waiting))
            self._waiting.pop(oldest).cancel()
            self.evicted += 1
            if self.evicted == 1 or self.evicted % 1000 == 0:
                log.warning("too many connections without a request: dropping the oldest")
            oldest.abort()
        loop = asyncio.get_running_loop()
        self._waiting[transport] = loop.call_later(self.header_timeout, self._expire, transport)

    def _expire(self, transport: Any) -> None:
        if self._waiting.pop(transport, None) is not None:
            self.closed_silent += 1
            transport.abort()

    def _forget(self, transport: Any) -> None:
        handle = self._waiting.pop(transport, None)
        if handle is not None:
            handle.cancel()

    @web.middleware
    async def middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self._forget(request.transport)  # a request started: the connection is in use
        return await handler(request)


class _Watched(asyncio.Protocol):
    """aiohttp's protocol for one connection, seen by the guard on arrival and departure
    (RequestHandler has __slots__: it is wrapped, not patched)."""

    def __init__(self, inner: Any, guard: ConnectionGuard) -> None:
        self._inner = inner
        self._guard = guard
        self._transport: Any = None

    def connection_made(self, transport: Any) -> None:
        self._transport = transport
        self._inner.connection_made(transport)
        self._guard._arrived(transport)

    def connection_lost(self, exc: BaseException | None) -> None:
        self._guard._forget(self._transport)
        self._inner.connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received()

    def pause_writing(self) -> None:
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._inner.resume_writing()
