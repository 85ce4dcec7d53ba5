"""Fixtures and helpers shared by the server tests (loaded with `pytest_plugins`; no tests here).

`harness` is the real app (`create_app`) on a real `Core` (SQLite file in tmp_path,
Huey worker threads) behind aiohttp's test server. Its core is NOT started, so a
test decides when photos get processed (`harness.core.start()`); batches stay
QUEUED until then, which makes stream tests deterministic.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import socket
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from desktopapp.core import journal
from desktopapp.core.services import Core
from desktopapp.platform.settings import Settings
from desktopapp.server import (
    Limits,
    SecurityConfig,
    ServerApi,
    StreamConfig,
    create_app,
    generate_token,
)
from desktopapp.server.context import CONTEXT
from desktopapp.server.stream.hub import StreamHub
from desktopapp.server.tickets import BrowserTickets
from tests.helpers import make_photos
from tests.sse_parse import SSEEvent, SSEParser

WAIT = 20.0  # seconds: the most any test waits for an event before failing


class StreamReader:
    """Reads an aiohttp response's body into SSE events as the bytes arrive."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self.response = response
        self.parser = SSEParser()
        self.raw = bytearray()
        self.events: list[SSEEvent] = []
        self.eof = False
        self._ready: deque[SSEEvent] = deque()

    async def _next(self) -> SSEEvent | None:
        while not self._ready:
            if self.eof:
                return None
            chunk = await self.response.content.readany()
            if chunk:
                self.raw += chunk
                self._ready.extend(self.parser.feed(chunk))
            else:
                self.eof = True
                self._ready.extend(self.parser.close())
        event = self._ready.popleft()
        self.events.append(event)
        return event

    async def next(self, timeout: float = WAIT) -> SSEEvent | None:
        """The next event, None at end of stream."""
        return await asyncio.wait_for(self._next(), timeout)

    async def until(self, predicate: Callable[[SSEEvent], bool], timeout: float = WAIT) -> SSEEvent:
        async def run() -> SSEEvent:
            while True:
                event = await self._next()
                assert event is not None, f"stream ended first; got {[e.type for e in self.events]}"
                if predicate(event):
                    return event

        return await asyncio.wait_for(run(), timeout)

    async def rest(self, timeout: float = WAIT) -> list[SSEEvent]:
        """Every remaining event, up to the end of the stream."""

        async def run() -> list[SSEEvent]:
            events = []
            while (event := await self._next()) is not None:
                events.append(event)
            return events

        return await asyncio.wait_for(run(), timeout)


@dataclass
class Harness:
    client: Any  # aiohttp.test_utils.TestClient
    core: Core
    token: str
    web_root: Path

    @property
    def app(self) -> web.Application:
        return self.client.server.app

    @property
    def hub(self) -> StreamHub:
        return self.app[CONTEXT].hub

    @property
    def port(self) -> int:
        return self.client.server.port

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def tickets(self) -> BrowserTickets:
        return self.app[CONTEXT].tickets

    @property
    def cookie_name(self) -> str:
        return f"photolot_{self.port}"

    async def sign_in(self, path: str = "/") -> str:
        """A browser's way in: redeem a fresh one-time ticket on a page; returns the session
        (the cookie's value). The client's cookie jar is emptied: tests send cookies
        explicitly (`browser_headers`)."""
        response = await self.get(
            f"{path}?token={self.tickets.mint()}", auth=False, allow_redirects=False
        )
        assert response.status == 303, await response.text()
        session = response.cookies[self.cookie_name].value
        self.client.session.cookie_jar.clear()
        return session

    def browser_headers(self, session: str, **more: str) -> dict[str, str]:
        return {"Cookie": f"{self.cookie_name}={session}", **more}

    def request(self, method: str, path: str, *, auth: bool = True, **kwargs: Any):
        headers = {**(self.auth if auth else {}), **kwargs.pop("headers", {})}
        return self.client.request(method, path, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any):
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any):
        return self.request("POST", path, **kwargs)

    async def create_batch(self, paths: list[Path | str], project: str | None = None) -> int:
        response = await self.post(
            "/api/batches", json={"paths": [str(p) for p in paths], "project": project}
        )
        assert response.status == 201, await response.text()
        return (await response.json())["batchId"]

    async def open_stream(self, batch_id: int, **kwargs: Any) -> StreamReader:
        response = await self.get(f"/api/batches/{batch_id}/stream", **kwargs)
        assert response.status == 200, await response.text()
        return StreamReader(response)

    def journal_ids(self, batch_id: int, after: int = 0) -> list[int]:
        return [entry.id for entry in journal.events_after(batch_id, after, 1_000_000)]


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]  # lower-case names; repeated headers joined with "\n"
    body: bytes


async def raw_request(port: int, head: str, body: bytes = b"") -> RawResponse:
    """Send bytes exactly as written (no URL normalisation, any Host) and read the answer."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head.replace("\n", "\r\n").encode("latin-1") + b"\r\n\r\n" + body)
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), WAIT)  # Connection: close in `head`
    finally:
        writer.close()
    header_blob, _, payload = raw.partition(b"\r\n\r\n")
    lines = header_blob.decode("latin-1").split("\r\n")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        key = name.strip().lower()
        headers[key] = f"{headers[key]}\n{value.strip()}" if key in headers else value.strip()
    if headers.get("transfer-encoding") == "chunked":
        payload = _dechunk(payload)
    return RawResponse(int(lines[0].split()[1]), headers, payload)


async def open_stalled_stream(port: int, token: str, batch_id: int) -> socket.socket:
    """A stream client that never reads, with a tiny receive window: the server's writes
    to it soon stop draining. Close the socket when done."""
    stalled = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stalled.setblocking(False)
    loop = asyncio.get_running_loop()
    await loop.sock_connect(stalled, ("127.0.0.1", port))
    request = (
        f"GET /api/batches/{batch_id}/stream HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {token}\r\n\r\n"
    )
    await loop.sock_sendall(stalled, request.encode())
    return stalled


def _dechunk(data: bytes) -> bytes:
    out = bytearray()
    while data:
        size_line, _, rest = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out += rest[:size]
        data = rest[size + 2 :]
    return bytes(out)


def make_web_root(root: Path) -> Path:
    (root / "css").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><title>index</title>", encoding="utf-8")
    (root / "batch.html").write_text("<!doctype html><title>batch</title>", encoding="utf-8")
    (root / "app.js").write_text("console.log('photolot');\n", encoding="utf-8")
    (root / "css" / "site.css").write_text("body { margin: 0 }\n", encoding="utf-8")
    (root / ".hidden").write_text("hidden", encoding="utf-8")
    secret = root.parent / "secret.txt"
    secret.write_text("top secret", encoding="utf-8")
    os.symlink(secret, root / "link.txt")
    return root


@pytest.fixture
def idle_core(data_dir: Path, backend: dict):
    """A real Core whose workers are not started (the test starts them when it wants), on
    each back-end in turn (`backend`, tests/team_fixtures.py)."""
    service = Core(Settings(data_dir=data_dir, workers=2, **backend))
    yield service
    assert service.stop(timeout=30), "workers did not stop"


@pytest.fixture
def make_harness(idle_core: Core, aiohttp_client, tmp_path: Path):
    """Build apps on the idle core (the server is torn down before the core stops)."""
    made: list[Harness] = []

    async def make(
        *,
        stream: StreamConfig | None = None,
        limits: Limits | None = None,
        security: dict[str, Any] | None = None,
        web_root: Path | None = None,
        api_overrides: dict[str, Any] | None = None,
        token: str | None = None,
        tickets: BrowserTickets | None = None,
    ) -> Harness:
        root = web_root or make_web_root(tmp_path / f"web{len(made)}")
        token = token or generate_token()
        api = dataclasses.replace(ServerApi.from_core(idle_core), **(api_overrides or {}))
        app = create_app(
            api,
            SecurityConfig(token=token, **(security or {})),
            stream=stream,
            limits=limits,
            web_root=root,
            tickets=tickets,
        )
        harness = Harness(await aiohttp_client(app), idle_core, token, root)
        made.append(harness)
        return harness

    return make


@pytest.fixture
async def harness(make_harness) -> AsyncIterator[Harness]:
    yield await make_harness()


@pytest.fixture
def photos(tmp_path: Path) -> list[Path]:
    """Six small distinct JPEGs."""
    return make_photos(tmp_path / "photos", 6)
