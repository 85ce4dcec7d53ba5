"""The database: peewee models on SQLite (WAL), opened and migrated on demand.

Models are declared unbound; `open_database` binds them to one `SqliteDatabase`.
peewee keeps one connection per thread, so the GUI, the server loop and every
worker thread each get their own; writers use `BEGIN IMMEDIATE` (see `journal`).
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

from peewee import (
    AutoField,
    DatabaseError,
    FloatField,
    ForeignKeyField,
    IntegerField,
    Model,
    SqliteDatabase,
    TextField,
)

from desktopapp.platform.private_files import create_private

# Photo states. A photo waiting for a retry is PENDING again (with attempts > 0).
PENDING = "PENDING"
PROCESSING = "PROCESSING"
DONE = "DONE"
ERROR = "ERROR"
CANCELLED = "CANCELLED"  # its batch was cancelled before the photo's turn came
PHOTO_STATES = (PENDING, PROCESSING, DONE, ERROR, CANCELLED)
TERMINAL_STATES = (DONE, ERROR, CANCELLED)

PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10_000,
    "synchronous": "normal",
    "cache_size": -16_000,
}


class JsonField(TextField):
    def db_value(self, value: Any) -> str | None:
        return None if value is None else json.dumps(value, separators=(",", ":"))

    def python_value(self, value: str | None) -> Any:
        return None if value is None else json.loads(value)


class BaseModel(Model):
    pass


class Project(BaseModel):
    id = AutoField()
    name = TextField(unique=True)
    created_at = FloatField(default=time.time)


class Batch(BaseModel):
    id = AutoField()
    project = ForeignKeyField(Project, backref="batches", on_delete="CASCADE")
    created_at = FloatField(default=time.time)
    analyzer = TextField(default="offline")
    skipped = JsonField(default=list)  # [{"name", "reason"}] recorded at intake
    notices = JsonField(default=list)  # human notices, e.g. identical files counted once
    # schema version 5: queue control (desktopapp.core.queue_control)
    paused = IntegerField(default=0)  # no photo of it starts while set
    priority = IntegerField(default=0)  # moved to the front: higher goes first


class Photo(BaseModel):
    id = AutoField()
    batch = ForeignKeyField(Batch, backref="photos", on_delete="CASCADE")
    position = IntegerField()
    source_path = TextField()
    file_name = TextField()
    status = TextField(default=PENDING)
    attempts = IntegerField(default=0)
    sha256 = TextField(null=True)
    size = IntegerField(null=True)
    format = TextField(null=True)
    width = IntegerField(null=True)
    height = IntegerField(null=True)
    orientation = IntegerField(null=True)
    room_type = TextField(null=True)
    items = JsonField(default=list)
    error_code = TextField(null=True)
    error_message = TextField(null=True)
    updated_at = FloatField(default=time.time)
    # schema version 2
    phash = TextField(null=True)
    sharpness = FloatField(null=True)
    brightness = FloatField(null=True)
    flags = JsonField(default=list)
    duplicate_of = IntegerField(null=True)
    # schema version 3: where the room came from ("name" | "items") and, when a folder
    # named it, that folder's name ("Chambre 2"): two bedrooms stay two rooms
    room_source = TextField(null=True)
    room_name = TextField(null=True)
    room_cue = TextField(null=True)  # what decided: the name matched, or an item's label
    # schema version 6: how long it waited and each stage took, in seconds (queue_dashboard)
    timings = JsonField(null=True)
    # schema version 7: who works on it, until when (a team's workers: core.leases)
    worker = TextField(null=True)
    lease_until = FloatField(null=True)

    def save(self, *args: Any, **kwargs: Any) -> int:
        self.updated_at = time.time()
        return super().save(*args, **kwargs)


class Event(BaseModel):
    """The journal: one row per state change; its id is the SSE `id:`."""

    id = AutoField()
    batch = ForeignKeyField(Batch, backref="events", on_delete="CASCADE")
    type = TextField()
    payload = JsonField()
    created_at = FloatField(default=time.time)


class Correction(BaseModel):
    """The mover's corrections (desktopapp.inventory.corrections), replayed in id order over
    the pipeline's results at read time; `undone` ones wait for a redo."""

    id = AutoField()
    batch = ForeignKeyField(Batch, backref="corrections", on_delete="CASCADE")
    kind = TextField()
    data = JsonField()
    undone = IntegerField(default=0)
    created_at = FloatField(default=time.time)


MODELS = (Project, Batch, Photo, Event, Correction)

_V1 = [
    """CREATE TABLE project (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE,
        created_at REAL NOT NULL)""",
    """CREATE TABLE batch (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        project_id INTEGER NOT NULL REFERENCES project (id) ON DELETE CASCADE,
        created_at REAL NOT NULL,
        analyzer TEXT NOT NULL DEFAULT 'offline',
        skipped TEXT NOT NULL DEFAULT '[]',
        notices TEXT NOT NULL DEFAULT '[]')""",
    """CREATE TABLE photo (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        batch_id INTEGER NOT NULL REFERENCES batch (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        source_path TEXT NOT NULL,
        file_name TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'PENDING',
        attempts INTEGER NOT NULL DEFAULT 0,
        sha256 TEXT, size INTEGER, format TEXT,
        width INTEGER, height INTEGER, orientation INTEGER,
        room_type TEXT,
        items TEXT NOT NULL DEFAULT '[]',
        error_code TEXT, error_message TEXT,
        updated_at REAL NOT NULL)""",
    "CREATE INDEX photo_batch_status ON photo (batch_id, status)",
    # AUTOINCREMENT: journal ids are never reused, even after a batch is deleted.
    """CREATE TABLE event (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        batch_id INTEGER NOT NULL REFERENCES batch (id) ON DELETE CASCADE,
        type TEXT NOT NULL,
        payload TEXT NOT NULL,
        created_at REAL NOT NULL)""",
    "CREATE INDEX event_batch_id ON event (batch_id, id)",
]

_V2 = [
    "ALTER TABLE photo ADD COLUMN phash TEXT",
    "ALTER TABLE photo ADD COLUMN sharpness REAL",
    "ALTER TABLE photo ADD COLUMN brightness REAL",
    "ALTER TABLE photo ADD COLUMN flags TEXT NOT NULL DEFAULT '[]'",
    "ALTER TABLE photo ADD COLUMN duplicate_of INTEGER",
]

_V3 = [
    "ALTER TABLE photo ADD COLUMN room_source TEXT",
    "ALTER TABLE photo ADD COLUMN room_name TEXT",
    "ALTER TABLE photo ADD COLUMN room_cue TEXT",
]

_V4 = [
    """CREATE TABLE correction (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        batch_id INTEGER NOT NULL REFERENCES batch (id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        data TEXT NOT NULL,
        undone INTEGER NOT NULL DEFAULT 0,
        created_at REAL NOT NULL)""",
    "CREATE INDEX correction_batch_id ON correction (batch_id, id)",
]

_V5 = [
    "ALTER TABLE batch ADD COLUMN paused INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE batch ADD COLUMN priority INTEGER NOT NULL DEFAULT 0",
]

_V6 = ["ALTER TABLE photo ADD COLUMN timings TEXT"]

_V7 = [
    "ALTER TABLE photo ADD COLUMN worker TEXT",
    "ALTER TABLE photo ADD COLUMN lease_until REAL",
]

# MIGRATIONS[n] takes a database from version n to version n + 1.
MIGRATIONS: list[list[str]] = [_V1, _V2, _V3, _V4, _V5, _V6, _V7]
SCHEMA_VERSION = len(MIGRATIONS)


class DatabaseProblem(RuntimeError):
    """The database file cannot be used as it is; the message says what to do. The file
    was not modified."""


PHOTOLOT_TABLES = frozenset({"project", "batch", "photo", "event"})


def check_database_file(path: Path) -> None:
    """Before anything writes to `path`: is it PhotoLot's, of a version this one knows?
    Read-only (a foreign or damaged file stays byte-identical); raises DatabaseProblem."""
    if not path.exists() or path.stat().st_size == 0:
        return  # a new data dir: PhotoLot creates it
    what_to_do = (
        f"PhotoLot left it untouched. Move {path.name} out of {path.parent} (or restore a "
        "backup of it) and start PhotoLot again, or start it with another data folder "
        "(--data-dir)."
    )
    try:
        # immutable: no lock, no -wal/-shm created beside a file that may not be ours
        raw = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error as exc:
        message = f"PhotoLot cannot open its database {path} ({exc}). {what_to_do}"
        raise DatabaseProblem(message) from None
    try:
        version = raw.execute("PRAGMA user_version").fetchone()[0]
        tables = {
            row[0] for row in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
    except sqlite3.DatabaseError as exc:
        raise DatabaseProblem(
            f"PhotoLot's database {path} is damaged or is not a database ({exc}). {what_to_do}"
        ) from None
    finally:
        raw.close()
    if version > SCHEMA_VERSION:
        raise DatabaseProblem(
            f"The database {path} was written by a newer PhotoLot (schema {version}, this "
            f"version knows {SCHEMA_VERSION}). Update PhotoLot to open it; it was left untouched."
        )
    own = tables - {"sqlite_sequence"}
    if (version == 0 and own) or (version > 0 and not own >= PHOTOLOT_TABLES):
        raise DatabaseProblem(
            f"{path} is a database of another program, or a damaged one (its tables are "
            f"not PhotoLot's). {what_to_do}"
        )


def schema_version(db: SqliteDatabase) -> int:
    return db.execute_sql("PRAGMA user_version").fetchone()[0]


def migrate(db: SqliteDatabase, target: int = SCHEMA_VERSION) -> int:
    """Apply the missing migration steps, each in its own transaction; return the version."""
    current = schema_version(db)
    if current > SCHEMA_VERSION:
        raise DatabaseProblem(
            f"This database was written by a newer PhotoLot (schema {current}, "
            f"this version knows {SCHEMA_VERSION}). Update PhotoLot to open it."
        )
    for version in range(current, target):
        with db.atomic("IMMEDIATE"):
            for statement in MIGRATIONS[version]:
                db.execute_sql(statement)
            db.execute_sql(f"PRAGMA user_version = {version + 1}")
    return schema_version(db)


def open_database(
    path: Path, *, migrate_to: int = SCHEMA_VERSION, bind: bool = True
) -> SqliteDatabase:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    check_database_file(path)  # before SQLite writes anything (WAL mode, migrations)
    create_private(path)  # SQLite's -wal and -shm files then take its owner-only mode
    db = SqliteDatabase(str(path), pragmas=PRAGMAS, check_same_thread=False)
    try:
        db.connect(reuse_if_open=True)
        migrate(db, migrate_to)
    except DatabaseError as exc:  # damage the read-only check could not see
        db.close()
        raise DatabaseProblem(
            f"PhotoLot's database {path} is damaged ({exc}). Move it aside (or restore a "
            "backup of it) and start PhotoLot again, or use another data folder (--data-dir)."
        ) from None
    if bind:
        db.bind(MODELS)
    return db
