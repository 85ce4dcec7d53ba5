"""PhotoLot's database on PostgreSQL (a team's server; the desktop app stays on SQLite).

    db = open_postgres("postgresql://photolot@db.local:5432/photolot")

The same models and the same SQL as on SQLite: statements written with `?` run as `%s`,
SQLite's lock types on `atomic("IMMEDIATE")` are dropped (PostgreSQL's row locks and the
journal's advisory lock do that work), and a connection the server closed (a restart) is
opened again before the next statement, outside a transaction.

Two things SQLite never needed, used by `journal.WriteTransaction`:
- `lock_batch_journal`: journal ids come from a sequence, taken at INSERT time but seen
  at COMMIT, so id 11 can be visible before id 10; a reader that took "id > 10" would then
  skip 10 forever. A transaction-level advisory lock per batch, taken before its first
  journal row, makes one batch's journal writers commit one after the other: within a
  batch, ids become visible in order (readers only ever read one batch's journal).
- `notify_heads`: `pg_notify` inside the transaction, delivered on COMMIT only, to every
  process that LISTENs (`pg_bus.PgBusBridge`): the cross-process wake-up.
"""

from __future__ import annotations

import functools
import os
import socket
import time
from typing import Any
from urllib.parse import urlsplit

from peewee import InterfaceError, OperationalError, PostgresqlDatabase
from playhouse.shortcuts import ReconnectMixin

from desktopapp.core.db import MODELS, SCHEMA_VERSION, DatabaseProblem

JOURNAL_LOCK_SPACE = 0x5F7  # advisory locks: (this, batch id); nothing else uses the space
CHANNEL = "photolot_journal"
SQLITE_LOCKS = frozenset({"DEFERRED", "IMMEDIATE", "EXCLUSIVE"})

SCHEMA = [
    """CREATE TABLE project (
        id SERIAL PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_at DOUBLE PRECISION NOT NULL)""",
    """CREATE TABLE batch (
        id SERIAL PRIMARY KEY,
        project_id INTEGER NOT NULL REFERENCES project (id) ON DELETE CASCADE,
        created_at DOUBLE PRECISION NOT NULL,
        analyzer TEXT NOT NULL DEFAULT 'offline',
        skipped TEXT NOT NULL DEFAULT '[]',
        notices TEXT NOT NULL DEFAULT '[]',
        paused INTEGER NOT NULL DEFAULT 0,
        priority INTEGER NOT NULL DEFAULT 0)""",
    """CREATE TABLE photo (
        id SERIAL PRIMARY KEY,
        batch_id INTEGER NOT NULL REFERENCES batch (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        source_path TEXT NOT NULL,
        file_name TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'PENDING',
        attempts INTEGER NOT NULL DEFAULT 0,
        sha256 TEXT, size BIGINT, format TEXT,
        width INTEGER, height INTEGER, orientation INTEGER,
        room_type TEXT,
        items TEXT NOT NULL DEFAULT '[]',
        error_code TEXT, error_message TEXT,
        updated_at DOUBLE PRECISION NOT NULL,
        phash TEXT, sharpness DOUBLE PRECISION, brightness DOUBLE PRECISION,
        flags TEXT NOT NULL DEFAULT '[]',
        duplicate_of INTEGER,
        room_source TEXT, room_name TEXT, room_cue TEXT,
        timings TEXT,
        worker TEXT, lease_until DOUBLE PRECISION)""",
    "CREATE INDEX photo_batch_status ON photo (batch_id, status)",
    "CREATE INDEX photo_status ON photo (status)",
    """CREATE TABLE event (
        id BIGSERIAL PRIMARY KEY,
        batch_id INTEGER NOT NULL REFERENCES batch (id) ON DELETE CASCADE,
        type TEXT NOT NULL,
        payload TEXT NOT NULL,
        created_at DOUBLE PRECISION NOT NULL)""",
    "CREATE INDEX event_batch_id ON event (batch_id, id)",
    """CREATE TABLE correction (
        id SERIAL PRIMARY KEY,
        batch_id INTEGER NOT NULL REFERENCES batch (id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        data TEXT NOT NULL,
        undone INTEGER NOT NULL DEFAULT 0,
        created_at DOUBLE PRECISION NOT NULL)""",
    "CREATE INDEX correction_batch_id ON correction (batch_id, id)",
    # a team's worker processes, as their heartbeat last said (the queue dashboard)
    """CREATE TABLE team_worker (
        id TEXT PRIMARY KEY,
        threads INTEGER NOT NULL,
        seen_at DOUBLE PRECISION NOT NULL)""",
]


def to_pyformat(sql: str) -> str:
    """`?` placeholders as psycopg's `%s` (a literal `%` doubled first)."""
    return sql.replace("%", "%%").replace("?", "%s")


class PortablePostgres(ReconnectMixin, PostgresqlDatabase):
    reconnect_errors = (
        (OperationalError, "terminating connection"),
        (OperationalError, "the connection is closed"),
        (OperationalError, "server closed the connection"),
        (OperationalError, "connection failed"),
        (OperationalError, "consuming input failed"),
        (InterfaceError, "the connection is closed"),
        (InterfaceError, "connection already closed"),
    )

    def execute_sql(self, sql: str, params: Any = None) -> Any:
        if params and "?" in sql:
            sql = to_pyformat(sql)
        return super().execute_sql(sql, params)

    def atomic(self, *args: Any, **kwargs: Any) -> Any:
        if args and isinstance(args[0], str) and args[0].upper() in SQLITE_LOCKS:
            args = args[1:]
        return super().atomic(*args, **kwargs)


def is_postgres(db: Any) -> bool:
    return isinstance(db, PostgresqlDatabase)


def database_clock(db: Any) -> float:
    """The database server's time (seconds since the epoch): one clock for every machine
    of a team, so a lease written by one is judged by another without their skew."""
    return float(db.execute_sql("SELECT EXTRACT(EPOCH FROM clock_timestamp())").fetchone()[0])


def execute_many(db: Any, sql: str, rows: list[tuple[Any, ...]]) -> None:
    """One statement, many rows, on SQLite or PostgreSQL (`?` placeholders)."""
    db.cursor().executemany(to_pyformat(sql) if is_postgres(db) else sql, rows)


def lock_batch_journal(db: PostgresqlDatabase, batch_id: int) -> None:
    """Until COMMIT, no other transaction writes this batch's journal (see module note)."""
    db.execute_sql("SELECT pg_advisory_xact_lock(%s, %s)", (JOURNAL_LOCK_SPACE, batch_id))


@functools.cache
def process_tag() -> str:
    """This process, in its notifications: its own bridge leaves them to the writer, which
    tells its followers after its after-COMMIT work (an upload's copy removed first)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def notify_heads(db: PostgresqlDatabase, heads: dict[int, int]) -> None:
    """Inside the transaction: "batch B has events up to N, from process P", heard by every
    LISTENer once the transaction commits (never if it rolls back)."""
    for batch_id, head in heads.items():
        payload = f"{batch_id}:{head}:{process_tag()}"
        db.execute_sql("SELECT pg_notify(%s, %s)", (CHANNEL, payload))


def postgres_params(url: str) -> dict[str, Any]:
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres") or not parts.path.strip("/"):
        raise DatabaseProblem(
            f"not a PostgreSQL URL: postgresql://user@host:port/database ({url!r})"
        )
    params: dict[str, Any] = {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "user": parts.username or "photolot",
    }
    if parts.password:
        params["password"] = parts.password
    return {"database": parts.path.strip("/"), **params}


def open_postgres(
    url: str, *, bind: bool = True, connect_timeout: float = 10.0
) -> PortablePostgres:
    """Connect, create the schema on an empty database, and bind the models."""
    params = postgres_params(url)
    database = params.pop("database")
    db = PortablePostgres(
        database, prefer_psycopg3=True, connect_timeout=int(connect_timeout), **params
    )
    deadline = time.monotonic() + connect_timeout
    while True:
        try:
            db.connect(reuse_if_open=True)
            break
        except OperationalError as exc:  # starting up, or not there
            if time.monotonic() > deadline:
                raise DatabaseProblem(
                    f"PhotoLot cannot reach its PostgreSQL database at "
                    f"{params['host']}:{params['port']}/{database} ({exc})."
                ) from None
            time.sleep(0.2)  # the server's own start-up: nothing to wait on but retrying
    create_schema(db)
    if bind:
        db.bind(MODELS)
    return db


def create_schema(db: PostgresqlDatabase) -> int:
    """The whole schema at once on an empty database (one transaction, serialised between
    processes starting together); refuses a newer PhotoLot's."""
    with db.atomic():
        db.execute_sql("SELECT pg_advisory_xact_lock(%s, 0)", (JOURNAL_LOCK_SPACE,))
        db.execute_sql("CREATE TABLE IF NOT EXISTS photolot_schema (version INTEGER NOT NULL)")
        row = db.execute_sql("SELECT version FROM photolot_schema").fetchone()
        if row is None:
            for statement in SCHEMA:
                db.execute_sql(statement)
            db.execute_sql("INSERT INTO photolot_schema (version) VALUES (%s)", (SCHEMA_VERSION,))
            return SCHEMA_VERSION
    if row[0] > SCHEMA_VERSION:
        raise DatabaseProblem(
            f"This database was written by a newer PhotoLot (schema {row[0]}, this version "
            f"knows {SCHEMA_VERSION}). Update PhotoLot to use it."
        )
    return row[0]
