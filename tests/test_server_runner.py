"""`ServerThread`: loopback binding, port choice, prompt shutdown, resume across a restart."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from pathlib import Path

import aiohttp
import pytest

from desktopapp.core import journal
from desktopapp.core.services import Core
from desktopapp.platform.settings import Settings
from desktopapp.server import (
    SecurityConfig,
    ServerApi,
    ServerStartError,
    ServerThread,
    create_app,
    load_or_create_token,
)
from tests.test_server_support import WAIT, StreamReader

pytest_plugins = ["tests.test_server_support"]


def listening_socket(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", port))
    sock.listen()
    return sock


def free_run(length: int) -> tuple[int, list[socket.socket]]:
    """`length` consecutive ports, all bound and listening by us (so taken for the server)."""
    for _ in range(50):
        first = listening_socket(0)
        base = first.getsockname()[1]
        taken = [first]
        try:
            taken += [listening_socket(base + i) for i in range(1, length)]
            return base, taken
        except OSError:
            for sock in taken:
                sock.close()
    pytest.skip("no run of consecutive free ports")


def non_loopback_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))  # no packet is sent
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


@pytest.fixture
def serve(idle_core: Core):
    """Start ServerThreads on the idle core; each is stopped at the end."""
    started: list[ServerThread] = []
    token = load_or_create_token(idle_core.paths.token)

    def start(port: int = 0, core: Core | None = None, **kwargs) -> ServerThread:
        api = ServerApi.from_core(core or idle_core)
        server = ServerThread(lambda: create_app(api, SecurityConfig(token)), port=port, **kwargs)
        server.start()
        started.append(server)
        return server

    start.token = token
    yield start
    for server in started:
        assert server.stop(), "the server thread did not stop"


async def test_binds_loopback_only_on_an_ephemeral_port(serve) -> None:
    server = serve(0)
    assert server.port and server.port != 0
    assert server.addresses == [("127.0.0.1", server.port)]
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{server.url}/api/health") as response,
    ):
        assert response.status == 200
    address = non_loopback_address()
    if address is not None:
        with pytest.raises(OSError), socket.create_connection((address, server.port), timeout=2):
            pass


def test_next_port_when_taken(serve) -> None:
    base, taken = free_run(1)
    try:
        server = serve(base)
        assert base < server.port <= base + 20
    finally:
        for sock in taken:
            sock.close()


def test_clear_error_when_no_port_is_free(idle_core: Core) -> None:
    base, taken = free_run(3)
    api = ServerApi.from_core(idle_core)
    token = load_or_create_token(idle_core.paths.token)
    server = ServerThread(
        lambda: create_app(api, SecurityConfig(token)), port=base, port_attempts=2
    )
    try:
        with pytest.raises(ServerStartError, match=f"no free port between {base} and {base + 2}"):
            server.start()
    finally:
        for sock in taken:
            sock.close()
        assert server.stop()


async def test_shutdown_with_100_open_streams_is_prompt(serve, idle_core: Core, photos) -> None:
    server = serve(0)
    result = idle_core.create_batch([str(photos[0])])
    headers = {"Authorization": f"Bearer {serve.token}"}
    url = f"{server.url}/api/batches/{result.batch_id}/stream"
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:
        responses = await asyncio.gather(*(session.get(url) for _ in range(100)))
        readers = [StreamReader(response) for response in responses]
        await asyncio.gather(*(reader.next() for reader in readers))  # all 100 are live

        started = time.monotonic()
        stopped = await asyncio.to_thread(server.stop, 2.0)
        elapsed = time.monotonic() - started
        assert stopped and elapsed < 2.0, f"shutdown took {elapsed:.2f} s"

        async def ended(reader: StreamReader) -> None:
            with contextlib.suppress(aiohttp.ClientPayloadError, aiohttp.ClientConnectionError):
                await reader.rest(timeout=WAIT)

        await asyncio.gather(*(ended(reader) for reader in readers))


async def test_resume_after_a_server_restart(
    data_dir: Path, idle_core: Core, corpus, backend: dict
) -> None:
    token = load_or_create_token(idle_core.paths.token)
    headers = {"Authorization": f"Bearer {token}"}

    def server_for(core: Core) -> ServerThread:
        api = ServerApi.from_core(core)
        server = ServerThread(lambda: create_app(api, SecurityConfig(token)), port=0)
        server.start()
        return server

    first_server = server_for(idle_core)
    async with aiohttp.ClientSession(headers=headers) as session:
        response = await session.post(
            f"{first_server.url}/api/batches", json={"paths": [str(corpus / "photos")]}
        )
        batch_id = (await response.json())["batchId"]
        first = StreamReader(await session.get(f"{first_server.url}/api/batches/{batch_id}/stream"))
        snapshot = await first.next()
        idle_core.start()
        for _ in range(3):
            await first.until(lambda e: e.type == "progress")
        last_id = first.events[-1].last_event_id

        # The whole app goes away: server, workers, database.
        assert await asyncio.to_thread(first_server.stop)
        assert await asyncio.to_thread(idle_core.stop, 30)

        second_core = Core(Settings(data_dir=data_dir, workers=2, **backend))
        second_core.start()
        assert load_or_create_token(second_core.paths.token) == token
        second_server = server_for(second_core)
        try:
            url = f"{second_server.url}/api/batches/{batch_id}/stream"
            second = StreamReader(await session.get(url, headers={"Last-Event-ID": last_id}))
            rest = await second.rest()
        finally:
            assert await asyncio.to_thread(second_server.stop)
            assert await asyncio.to_thread(second_core.stop, 30)

    assert "snapshot" not in rest[0].json(), "a resume replays, it does not re-snapshot"
    assert rest[-1].type == "complete"
    seen = [e.id for e in first.events + rest if e.type == "progress" and e.id > snapshot.id]
    assert seen == [row.id for row in journal.events_after(batch_id, snapshot.id, 1_000_000)]
