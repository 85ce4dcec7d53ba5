"""pytest fixtures for real PostgreSQL and Redis servers (registered in tests/conftest.py).

- `postgres_server` (session): a `PostgresServer` (tests/team_services.py), started the
  first time a test asks for it, stopped at the end of the session, failures included.
- `redis_server` (session): a `RedisServer`, likewise.
- `postgres_url` (function): the URL of a new empty database of that server, owned by role
  `photolot` ("postgresql://photolot@127.0.0.1:PORT/t_<hex>"), dropped after the test.
- `redis_url` (function): "redis://127.0.0.1:PORT/0" after a FLUSHALL.

A test may `restart()`, `stop()` or `kill()` either server: after every test that used one,
and before each `*_url`, the server is started again if it is down, so the next test finds
it running (same port; Redis's data is lost, PostgreSQL's kept).

Cost, measured on this project's 2-core machine (PostgreSQL 15.18, Redis 7.0.15, as root,
so through runuser), three runs each: the first `postgres_server` of a session costs
0.7-1.2 s (initdb 0.5-0.9 s, then pg_ctl start + role and database 0.2-0.35 s; pytest's
setup of the first test that asks: 0.95-1.1 s, psycopg's import included); the first
`redis_server` 0.02-0.06 s. Per test: `postgres_url` (CREATE DATABASE from template0, then
DROP ... WITH (FORCE)) about 0.05 s, `redis_url` under 0.01 s. PostgreSQL `restart()`
0.23 s, `kill()` + `start()` (crash recovery) 0.25 s. tests/test_team_services.py: ~5.5 s.

The servers' directories come from `tempfile.mkdtemp()` in /tmp, not pytest's tmp_path:
as root PostgreSQL runs as user `postgres`, which can't enter /tmp/pytest-of-root (0700).
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.team_services import PostgresServer, RedisServer


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    base = Path(tempfile.mkdtemp(prefix="photolot-pg-"))
    server = None
    try:
        server = PostgresServer(base)
        server.start()
        yield server
    finally:
        if server is not None:
            server.stop("fast")
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    base = Path(tempfile.mkdtemp(prefix="photolot-redis-"))
    server = None
    try:
        server = RedisServer(base)
        server.start()
        yield server
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(autouse=True)
def _team_servers_left_running(request: pytest.FixtureRequest) -> Iterator[None]:
    """After a test that used a server (and may have stopped it), start it again if down."""
    servers = [
        request.getfixturevalue(name)
        for name in ("postgres_server", "redis_server")
        if name in request.fixturenames
    ]
    yield
    for server in servers:
        server.ensure_running()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    postgres_server.ensure_running()
    name = f"t_{uuid.uuid4().hex[:16]}"
    url = postgres_server.create_database(name)
    yield url
    postgres_server.ensure_running()
    postgres_server.drop_database(name)


@pytest.fixture
def redis_url(redis_server: RedisServer) -> Iterator[str]:
    import redis

    redis_server.ensure_running()
    with redis.Redis.from_url(redis_server.url) as client:
        client.flushall()
    return redis_server.url


@pytest.fixture(params=["embedded", "team"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, object]:
    """The engines a Core runs on, as `Settings` fields: the desktop's embedded ones (SQLite
    and Huey in the data folder), or a team's (PostgreSQL, Redis, a shared folder). The
    core, server and crash tests take it, so they run on both through one code path."""
    if request.param == "embedded":
        return {}
    return {
        "database_url": request.getfixturevalue("postgres_url"),
        "queue_url": request.getfixturevalue("redis_url"),
        "store_dir": tmp_path / "shared",
    }
