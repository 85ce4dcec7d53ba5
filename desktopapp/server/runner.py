"""`ServerThread`: the aiohttp app on its own thread and event loop (the GUI keeps its own).

server = ServerThread(lambda: create_app(api, security))
port = server.start()      # 8765, or the first free one of the next 20; 0: ephemeral
...
server.stop()              # ends every open stream, then joins (about a second)
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import threading
from collections.abc import Callable

from aiohttp import web

from desktopapp.platform.settings import DEFAULT_PORT
from desktopapp.server.connection_guard import ConnectionGuard

log = logging.getLogger(__name__)

PORT_ATTEMPTS = 20  # after the requested port, try this many more
KEEPALIVE_TIMEOUT = 60.0  # seconds an idle kept-alive connection stays open
_IN_USE_ERRNO = frozenset({errno.EADDRINUSE})
_IN_USE_WINERROR = frozenset({10013, 10048})  # WSAEACCES (reserved range), WSAEADDRINUSE


class ServerStartError(RuntimeError):
    pass


class ServerThread:
    def __init__(
        self,
        app_factory: Callable[[], web.Application],
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        *,
        port_attempts: int = PORT_ATTEMPTS,
        shutdown_timeout: float = 0.5,
        guard: ConnectionGuard | None = None,
    ) -> None:
        self._app_factory = app_factory
        self.guard = guard or ConnectionGuard()
        self.host = host
        self.requested_port = port
        self._port_attempts = port_attempts
        self._shutdown_timeout = shutdown_timeout
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self.port: int | None = None
        self.addresses: list[tuple[str, int]] = []  # (host, port) of every listening socket
        self.app: web.Application | None = None

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError("the server is not started")
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> int:
        """Start serving; returns the bound port. Raises ServerStartError if it cannot."""
        if self._thread is not None:
            raise RuntimeError("the server thread was already started")
        self._thread = threading.Thread(target=self._main, name="photolot-server", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise ServerStartError(f"the local server did not start within {timeout:g} s")
        if self._error is not None:
            self._thread.join(timeout)
            if isinstance(self._error, ServerStartError):
                raise self._error
            raise ServerStartError(f"the local server could not start: {self._error}") from (
                self._error
            )
        assert self.port is not None
        return self.port

    def stop(self, timeout: float = 2.0) -> bool:
        """End every open stream and the server; True when the thread finished in time."""
        thread, loop, stopping = self._thread, self._loop, self._stopping
        if thread is None:
            return True
        if loop is not None and stopping is not None:
            with contextlib.suppress(RuntimeError):  # the loop already ended
                loop.call_soon_threadsafe(stopping.set)
        thread.join(timeout)
        return not thread.is_alive()

    # -- the server thread ---------------------------------------------------------------

    def _main(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._serve())
        except BaseException as exc:  # reported to start(), never lost
            log.exception("the local server failed")
            self._error = self._error or exc
        finally:
            self._ready.set()
            with contextlib.suppress(Exception):
                loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _serve(self) -> None:
        self._stopping = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        runner: web.AppRunner | None = None
        try:
            self.app = self._app_factory()
            self.app.middlewares.insert(0, self.guard.middleware)
            runner = web.AppRunner(
                self.app,
                handle_signals=False,
                handler_cancellation=True,
                shutdown_timeout=self._shutdown_timeout,
                access_log=None,
                keepalive_timeout=KEEPALIVE_TIMEOUT,
            )
            await runner.setup()
            self.port = await self._bind(runner)
            self.addresses = [tuple(address[:2]) for address in runner.addresses]
        except BaseException as exc:
            self._error = exc
            if runner is not None:
                await runner.cleanup()
            return
        self._ready.set()
        log.info("local server on %s", self.url)
        try:
            await self._stopping.wait()
        finally:
            await runner.cleanup()

    async def _bind(self, runner: web.AppRunner) -> int:
        first = self.requested_port
        candidates = [0] if first == 0 else range(first, first + self._port_attempts + 1)
        for port in candidates:
            site = _GuardedSite(runner, self.host, port, guard=self.guard)
            try:
                await site.start()
            except OSError as exc:
                with contextlib.suppress(Exception):
                    await site.stop()
                if exc.errno in _IN_USE_ERRNO or getattr(exc, "winerror", None) in _IN_USE_WINERROR:
                    continue
                raise ServerStartError(
                    f"PhotoLot's local server cannot listen on {self.host}:{port}: {exc.strerror}"
                ) from exc
            return site.port
        last = first + self._port_attempts
        raise ServerStartError(
            f"PhotoLot's local server found no free port between {first} and {last} on "
            f"{self.host}: close the programs using them, or start PhotoLot with another port."
        )


class _GuardedSite(web.TCPSite):
    """aiohttp's TCPSite, its connections watched by the ConnectionGuard."""

    def __init__(self, runner: web.AppRunner, host: str, port: int, *, guard: ConnectionGuard):
        super().__init__(runner, host, port)
        self._guard = guard

    async def start(self) -> None:
        await web.BaseSite.start(self)  # registers the site with its runner
        loop = asyncio.get_running_loop()
        server = self._runner.server
        assert server is not None
        self._server = await loop.create_server(
            self._guard.protocol_factory(server), self._host, self._port, backlog=self._backlog
        )
        self._bound_port = self._server.sockets[0].getsockname()[1]
