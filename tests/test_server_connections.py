"""Silent connections cannot starve the server (issue 13.5): on the real ServerThread, sockets
that never send a request are closed after the header timeout, no more than `max_waiting`
wait at once, and the client with the token is answered meanwhile."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from desktopapp.server import SecurityConfig, ServerApi, ServerThread, create_app
from desktopapp.server.connection_guard import ConnectionGuard

pytest_plugins = ["tests.test_server_support"]
MAIN = Path(__file__).resolve().parents[1] / "main.py"


@pytest.fixture
def guarded(idle_core):
    from desktopapp.server import load_or_create_token

    token = load_or_create_token(idle_core.paths.token)
    api = ServerApi.from_core(idle_core)
    guard = ConnectionGuard(header_timeout=1.0, max_waiting=50)
    server = ServerThread(lambda: create_app(api, SecurityConfig(token)), port=0, guard=guard)
    server.start()
    yield server, token, guard
    assert server.stop(timeout=5)


def silent_sockets(port: int, count: int) -> list[socket.socket]:
    sockets = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sockets.append(sock)
    return sockets


def closed_by_server(sock: socket.socket, within: float) -> bool:
    """True when the server closed it (EOF or reset) within `within` seconds."""
    sock.settimeout(within)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def answered(port: int, token: str) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/batches", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status


def test_silent_connections_are_closed_and_capped_while_the_right_client_is_answered(guarded):
    server, token, guard = guarded
    sockets = silent_sockets(server.port, 120)  # more than max_waiting (50)
    try:
        assert answered(server.port, token) == 200  # not starved
        # past the cap, the oldest silent ones were dropped at once
        assert all(closed_by_server(s, 1.0) for s in sockets[:60])
        assert guard.evicted >= 60
        # the others, after the header timeout (1 s here, 10 s in the app)
        started = time.monotonic()
        assert all(closed_by_server(s, 5.0) for s in sockets[71:])
        assert time.monotonic() - started < 5.0
        assert guard.closed_silent >= 40
        assert guard.waiting == 0
        assert answered(server.port, token) == 200
    finally:
        for sock in sockets:
            sock.close()


def test_a_stream_is_not_closed_by_the_header_timeout(guarded, tmp_path):
    from tests.helpers import make_photo

    server, token, _guard = guarded
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    body = f'{{"paths": ["{make_photo(tmp_path / "a.jpg", 1)}"]}}'.encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{server.port}/api/batches", data=body, headers=headers
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        import json

        batch_id = json.load(response)["batchId"]
    stream = urllib.request.Request(
        f"http://127.0.0.1:{server.port}/api/batches/{batch_id}/stream",
        headers={"Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(stream, timeout=5) as response:
        first = response.read1(65536)
        assert first.startswith(b"retry:")
        # the batch waits (workers not started): nothing comes for 3 header timeouts,
        # and the connection stays open (a read just times out, no EOF)
        response.fp.raw._sock.settimeout(3.0)
        with pytest.raises(TimeoutError):
            response.read1(65536)


def test_the_open_file_limit_is_raised_at_start(tmp_path):
    import resource

    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard <= 1024:
        pytest.skip(f"the hard limit ({hard}) leaves nothing to raise")
    proc = subprocess.Popen(
        [sys.executable, str(MAIN), "--headless", "--port", "0", "--data-dir", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard)),
    )
    try:
        assert proc.stdout.readline().startswith("PhotoLot ready")
        limits = Path(f"/proc/{proc.pid}/limits").read_text()
        line = next(line for line in limits.splitlines() if line.startswith("Max open files"))
        wanted = 65536 if hard == resource.RLIM_INFINITY else min(hard, 65536)
        assert int(line.split()[3]) == wanted, line
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
