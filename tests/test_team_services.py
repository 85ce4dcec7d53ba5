"""The throwaway PostgreSQL and Redis servers (tests/team_services.py, team_fixtures.py) are
real, restartable and killable, and each test gets a clean database. No mocks."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import psycopg
import pytest
import redis

from tests.team_services import PostgresServer

pytestmark = pytest.mark.timeout(120)

# the database the first of the two isolation tests used, for the second to look for
_previous: dict[str, str] = {}


def public_tables(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchall()
    return sorted(name for (name,) in rows)


def test_postgres_url_is_a_database_of_the_photolot_role(postgres_server, postgres_url):
    assert postgres_server.url == f"postgresql://photolot@127.0.0.1:{postgres_server.port}/photolot"
    assert postgres_url.startswith(f"postgresql://photolot@127.0.0.1:{postgres_server.port}/t_")
    with psycopg.connect(postgres_url) as conn:
        user, database, encoding = conn.execute(
            "SELECT current_user, current_database(), pg_encoding_to_char(encoding)"
            " FROM pg_database WHERE datname = current_database()"
        ).fetchone()
        assert conn.execute("SHOW fsync").fetchone() == ("off",)
        assert conn.execute("SHOW max_connections").fetchone() == ("300",)
    assert (user, encoding) == ("photolot", "UTF8")
    assert postgres_url.endswith("/" + database)
    with psycopg.connect(postgres_server.url) as conn:  # the role's own database exists too
        assert conn.execute("SELECT current_database()").fetchone() == ("photolot",)


def test_postgres_table_survives_restart(postgres_server, postgres_url):
    with psycopg.connect(postgres_url) as conn:
        conn.execute("CREATE TABLE photo (id serial PRIMARY KEY, name text NOT NULL)")
        conn.cursor().executemany("INSERT INTO photo (name) VALUES (%s)", [("a.jpg",), ("b.jpg",)])
    port = postgres_server.port

    postgres_server.restart()

    assert postgres_server.port == port
    with psycopg.connect(postgres_url) as conn:
        names = conn.execute("SELECT name FROM photo ORDER BY id").fetchall()
    assert names == [("a.jpg",), ("b.jpg",)]


def test_postgres_kill_then_start_accepts_new_connections(postgres_server, postgres_url):
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (i int)")
        postgres_server.kill()
        with pytest.raises(psycopg.OperationalError):
            conn.execute("SELECT 1")
    assert not postgres_server.is_running()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(postgres_url, connect_timeout=5).close()

    postgres_server.start()

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS t (i int)")
        conn.execute("INSERT INTO t VALUES (1)")
        assert conn.execute("SELECT count(*) FROM t").fetchone() == (1,)


def test_a_killed_postgres_is_running_again_for_the_next_test(postgres_server, redis_server):
    """Leaves both servers down: the fixtures must bring them back (next test)."""
    postgres_server.kill()
    redis_server.kill()
    assert not postgres_server.is_running()
    assert not redis_server.is_running()


def test_servers_left_down_by_the_previous_test_are_running(postgres_server, redis_server):
    assert postgres_server.is_running()
    assert redis_server.is_running()


def test_synchronous_commit_server_keeps_acknowledged_commits_through_kill():
    """kill() of a server made with synchronous_commit=True loses no acknowledged commit
    (with the default, off, it may: see PostgresServer)."""
    base = Path(tempfile.mkdtemp(prefix="photolot-pg-"))
    server = PostgresServer(base, synchronous_commit=True)
    try:
        server.start()
        with psycopg.connect(server.url, autocommit=True) as conn:
            conn.execute("CREATE TABLE t (i int)")
            for i in range(300):
                conn.execute("INSERT INTO t VALUES (%s)", (i,))
        server.kill()
        server.start()
        with psycopg.connect(server.url) as conn:
            assert conn.execute("SELECT count(*) FROM t").fetchone() == (300,)
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


def test_postgres_url_first_test_leaves_a_table(postgres_url):
    with psycopg.connect(postgres_url) as conn:
        conn.execute("CREATE TABLE leftover (id int)")
    assert public_tables(postgres_url) == ["leftover"]
    _previous["url"] = postgres_url


def test_postgres_url_is_empty_of_the_previous_tests_tables(postgres_server, postgres_url):
    assert public_tables(postgres_url) == []
    previous = _previous.get("url")
    if previous is None:  # run alone: there was no previous test to compare with
        return
    assert postgres_url != previous
    with psycopg.connect(postgres_server.admin_url) as conn:
        names = {name for (name,) in conn.execute("SELECT datname FROM pg_database")}
    assert previous.rsplit("/", 1)[1] not in names, "the previous test's database was not dropped"


def test_redis_set_get(redis_server, redis_url):
    assert redis_url == f"redis://127.0.0.1:{redis_server.port}/0"
    client = redis.Redis.from_url(redis_url)
    try:
        assert client.set("photo:1", "queued")
        assert client.get("photo:1") == b"queued"
    finally:
        client.close()


def test_redis_url_starts_empty(redis_url):
    client = redis.Redis.from_url(redis_url)
    try:
        assert client.dbsize() == 0
        client.set("leftover", 1)  # the next test's FLUSHALL must remove it
    finally:
        client.close()


def test_redis_restart_loses_keys_and_accepts_new_ones(redis_server, redis_url):
    client = redis.Redis.from_url(redis_url)
    try:
        assert client.dbsize() == 0, "the previous test's key survived the FLUSHALL"
        client.set("lost", "soon")
        port = redis_server.port

        redis_server.restart()

        assert redis_server.port == port
        assert client.get("lost") is None  # redis-py reconnects on the same URL
        client.set("after", "restart")
        assert client.get("after") == b"restart"
    finally:
        client.close()


def test_redis_kill_then_start(redis_server, redis_url):
    client = redis.Redis.from_url(redis_url)
    try:
        client.set("k", "v")
        redis_server.kill()
        assert not redis_server.is_running()
        redis_server.start()
        assert client.get("k") is None
        assert client.set("k", "w")
    finally:
        client.close()
