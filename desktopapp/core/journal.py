"""The event journal: writes in one IMMEDIATE transaction, then a wake-up on the bus.

    with WriteTransaction(db, bus) as tx:
        photo.save()
        tx.record_progress(batch_id, "photo.done", [photo])

Every state change records an `Event` row in the same transaction as the change;
after COMMIT the bus is told each touched batch's newest event id. Readers replay
`events_after(batch, id)`: gap-free and durable, no in-memory history.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from peewee import SqliteDatabase, fn

from desktopapp.core import progress, state
from desktopapp.core.db import Event, Photo
from desktopapp.core.db_postgres import is_postgres, lock_batch_journal, notify_heads
from desktopapp.core.events import EventBus
from desktopapp.inventory.catalogue import Catalogue

# Two rows per photo go through here: plain SQL, not the query builder.
_INSERT_SQL = "INSERT INTO event (batch_id, type, payload, created_at) VALUES (?, ?, ?, ?)"
_INSERT_RETURNING_SQL = _INSERT_SQL + " RETURNING id"  # PostgreSQL: no lastrowid
_PAYLOAD = Event.payload


@dataclass(frozen=True)
class JournalEntry:
    id: int
    batch_id: int
    type: str
    payload: dict[str, Any]


class WriteTransaction:
    def __init__(self, db: SqliteDatabase, bus: EventBus | None) -> None:
        self._db = db
        self._postgres = is_postgres(db)
        self._bus = bus
        self._heads: dict[int, int] = {}
        self._locked: set[int] = set()
        self._after_commit: list[Any] = []
        self._on_rollback: list[Any] = []
        self._atomic: Any = None

    def __enter__(self) -> WriteTransaction:
        self._atomic = self._db.atomic("IMMEDIATE")
        self._atomic.__enter__()
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None and self._postgres and self._heads:
            try:
                notify_heads(self._db, self._heads)  # heard by other processes on COMMIT
            except BaseException as error:
                self._atomic.__exit__(type(error), error, error.__traceback__)  # rolls back
                self._rolled_back()
                raise
        try:
            self._atomic.__exit__(exc_type, exc, tb)
        except BaseException:
            self._rolled_back()
            raise
        if exc_type is not None:
            self._rolled_back()
            return
        try:
            for callback in self._after_commit:
                callback()
        finally:  # the rows are committed: followers must hear of them whatever happens
            if self._bus is not None:
                for batch_id, head in self._heads.items():
                    self._bus.publish(batch_id, head)

    def after_commit(self, callback: Any) -> None:
        self._after_commit.append(callback)

    def on_rollback(self, callback: Any) -> None:
        """Undo in-memory bookkeeping done inside the transaction if it does not commit."""
        self._on_rollback.append(callback)

    def _rolled_back(self) -> None:
        for callback in self._on_rollback:
            callback()

    def record(self, batch_id: int, event_type: str, payload: dict[str, Any]) -> int:
        values = (batch_id, event_type, _PAYLOAD.db_value(payload), time.time())
        if self._postgres:
            self.lock_batch(batch_id)
            event_id = self._db.execute_sql(_INSERT_RETURNING_SQL, values).fetchone()[0]
        else:
            event_id = self._db.execute_sql(_INSERT_SQL, values).lastrowid
        self._heads[batch_id] = event_id
        return event_id

    def lock_batch(self, batch_id: int) -> None:
        """PostgreSQL: this batch's writers one at a time until COMMIT, so its journal ids
        commit in order and what a transaction reads of the batch (counts, corrections) was
        committed before it. Taken by `record`; a read-then-write takes it first. (SQLite's
        IMMEDIATE transactions already serialise every writer.)"""
        if self._postgres and batch_id not in self._locked:
            lock_batch_journal(self._db, batch_id)
            self._locked.add(batch_id)

    def record_progress(
        self,
        batch_id: int,
        event_type: str,
        changed: Iterable[Photo],
        catalogue: Catalogue | None = None,
    ) -> int:
        """Journal a `progress` delta: the batch's counts now, and the photos that changed.

        With the `catalogue`, a batch the user corrected gets its photos as corrected and
        the whole corrected inventory in the event (the clients' own live view of the
        photos knows nothing of room-level corrections): one more read per photo, only
        for batches with corrections."""
        self.lock_batch(batch_id)  # before reading the counts the event will carry
        counts = state.batch_counts(batch_id)
        if catalogue is not None and state.has_corrections(batch_id):
            view = state.batch_view(batch_id)
            by_id = {photo.id: photo for photo in view.photos}
            changed = [by_id.get(photo.id, photo) for photo in changed]
            payload = progress.progress_payload(
                batch_id, counts, (progress.photo_payload(photo) for photo in changed)
            )
            payload["inventorySummary"] = view.summary(catalogue)
            payload["review"] = view.review()
            return self.record(batch_id, event_type, payload)
        payload = progress.progress_payload(
            batch_id, counts, (progress.photo_payload(photo) for photo in changed)
        )
        return self.record(batch_id, event_type, payload)


def events_after(batch_id: int, after_id: int, limit: int = 1000) -> list[JournalEntry]:
    rows = (
        Event.select(Event.id, Event.type, Event.payload)
        .where((Event.batch == batch_id) & (Event.id > after_id))
        .order_by(Event.id)
        .limit(limit)
    )
    return [JournalEntry(row.id, batch_id, row.type, row.payload) for row in rows]


def head_id(batch_id: int) -> int:
    """The batch's newest event id, 0 when it has none."""
    value = Event.select(fn.MAX(Event.id)).where(Event.batch == batch_id).scalar()
    return value or 0
