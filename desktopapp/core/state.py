"""Reading a batch's state from the database: counts, snapshot, list, inventory."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from peewee import fn

from desktopapp.core import progress
from desktopapp.core.db import Batch, Photo, Project
from desktopapp.inventory import corrections
from desktopapp.inventory.aggregate import inventory_summary
from desktopapp.inventory.catalogue import Catalogue
from desktopapp.inventory.corrections import Correction, RoomEdits


class BatchNotFound(LookupError):
    def __init__(self, batch_id: int) -> None:
        super().__init__(f"batch {batch_id} does not exist")
        self.batch_id = batch_id


def get_batch(batch_id: int) -> Batch:
    batch = Batch.get_or_none(Batch.id == batch_id)
    if batch is None:
        raise BatchNotFound(batch_id)
    return batch


# Asked on every journal write (each event carries the counts): plain SQL, no query builder.
_COUNTS_SQL = "SELECT status, COUNT(*) FROM photo WHERE batch_id = ? GROUP BY status"
_PAUSED_SQL = "SELECT paused FROM batch WHERE id = ?"


def batch_counts(batch_id: int) -> progress.Counts:
    database = Photo._meta.database
    rows = database.execute_sql(_COUNTS_SQL, (batch_id,)).fetchall()
    paused = database.execute_sql(_PAUSED_SQL, (batch_id,)).fetchone()
    return progress.counts_from_statuses(dict(rows), bool(paused and paused[0]))


# What a snapshot shows of a photo (progress.photo_payload, progress.inventory_summary).
_SNAPSHOT_FIELDS = (
    Photo.id,
    Photo.file_name,
    Photo.status,
    Photo.room_type,
    Photo.attempts,
    Photo.error_code,
    Photo.error_message,
    Photo.width,
    Photo.height,
    Photo.flags,
    Photo.duplicate_of,
    Photo.items,
    Photo.room_source,
    Photo.room_name,
    Photo.room_cue,
)


def batch_photos(batch_id: int) -> list[Any]:
    """The batch's photos in order, as read-only rows of the fields a snapshot shows, with
    the model's attribute names (named tuples: building 1,000 full model instances took
    two thirds of a snapshot's time, and a snapshot is built for every stream opened)."""
    query = Photo.select(*_SNAPSHOT_FIELDS).where(Photo.batch == batch_id)
    return list(query.order_by(Photo.position).namedtuples())


_CORRECTIONS_SQL = "SELECT id, kind, data, undone FROM correction WHERE batch_id = ? ORDER BY id"
_HAS_CORRECTIONS_SQL = "SELECT 1 FROM correction WHERE batch_id = ? AND undone = 0 LIMIT 1"


def all_corrections(batch_id: int) -> list[tuple[Correction, bool]]:
    """Every correction of the batch in order, with whether it is undone."""
    rows = Photo._meta.database.execute_sql(_CORRECTIONS_SQL, (batch_id,)).fetchall()
    return [
        (Correction(cid, kind, json.loads(data)), bool(undone)) for cid, kind, data, undone in rows
    ]


def has_corrections(batch_id: int) -> bool:
    """Asked on every photo's journal write: one indexed probe."""
    rows = Photo._meta.database.execute_sql(_HAS_CORRECTIONS_SQL, (batch_id,)).fetchall()
    return bool(rows)


@dataclass
class BatchView:
    """A batch as the user sees it: the pipeline's photos with the corrections replayed."""

    batch: Batch
    photos: list[Any]
    edits: RoomEdits
    done: list[Correction]  # active, in order
    undone: list[Correction]  # waiting for a redo, oldest first

    def summary(self, catalogue: Catalogue) -> dict[str, Any]:
        return inventory_summary(self.photos, self.batch.analyzer, catalogue, self.edits)

    def review(self) -> dict[str, Any]:
        """What the clients show of the corrections: the batch's name and move header, how
        many corrections hold, and what undo and redo would change."""
        return {
            "name": self.edits.name,
            "header": self.edits.header,
            "corrections": len(self.done),
            "undo": _described(self.done[-1]) if self.done else None,
            "redo": _described(self.undone[0]) if self.undone else None,
        }


def _described(correction: Correction) -> dict[str, Any]:
    return {"id": correction.id, "kind": correction.kind, "data": dict(correction.data)}


def batch_view(batch_id: int, batch: Batch | None = None) -> BatchView:
    batch = batch or get_batch(batch_id)
    rows = batch_photos(batch_id)
    history = all_corrections(batch_id)
    done = [correction for correction, undone in history if not undone]
    if not history:
        return BatchView(batch, rows, RoomEdits(), [], [])
    photos, edits = corrections.apply(rows, done)
    return BatchView(batch, photos, edits, done, [c for c, undone in history if undone])


def snapshot(batch_id: int, catalogue: Catalogue) -> dict[str, Any]:
    """The full state: the stream's first event, `GET /api/batches/{id}` and `--json`,
    with volumes from `catalogue` (the core's: the user's overrides applied) and the
    user's corrections replayed."""
    view = batch_view(batch_id)
    batch = view.batch
    counts = progress.count_photos((photo.status for photo in view.photos), bool(batch.paused))
    payload = progress.snapshot_payload(
        batch_id,
        counts,
        (progress.photo_payload(photo) for photo in view.photos),
        view.summary(catalogue),
    )
    payload["project"] = batch.project.name
    payload["paused"] = bool(batch.paused)
    payload["createdAt"] = batch.created_at
    payload["skipped"] = batch.skipped
    payload["notices"] = batch.notices
    payload["review"] = view.review()
    return payload


def list_batches(limit: int = 200) -> list[dict[str, Any]]:
    """Most recent first, with status, progress and counts; two queries in all."""
    batches = list(
        Batch.select(Batch, Project)
        .join(Project)
        .order_by(Batch.created_at.desc(), Batch.id.desc())
        .limit(limit)
    )
    tallies: dict[int, dict[str, int]] = {}
    if batches:
        rows = (
            Photo.select(Photo.batch, Photo.status, fn.COUNT(Photo.id))
            .where(Photo.batch.in_([batch.id for batch in batches]))
            .group_by(Photo.batch, Photo.status)
            .tuples()
        )
        for batch_id, status, count in rows:
            tallies.setdefault(batch_id, {})[status] = count
    names = batch_names([batch.id for batch in batches])
    listing = []
    for batch in batches:
        counts = progress.counts_from_statuses(tallies.get(batch.id, {}), bool(batch.paused))
        listing.append(
            {
                "batchId": batch.id,
                "project": batch.project.name,
                "name": names.get(batch.id),
                "paused": bool(batch.paused),
                "priority": batch.priority,
                "createdAt": batch.created_at,
                "status": progress.batch_status(counts),
                "progress": progress.percent(counts),
                "counts": counts.as_dict(),
            }
        )
    return listing


def batch_names(batch_ids: list[int]) -> dict[int, str]:
    """The names the user gave batches (their newest `batch.rename` still holding)."""
    if not batch_ids:
        return {}
    marks = ",".join("?" * len(batch_ids))
    rows = Photo._meta.database.execute_sql(
        "SELECT batch_id, data FROM correction WHERE kind = 'batch.rename' AND undone = 0 "
        f"AND batch_id IN ({marks}) ORDER BY id",
        tuple(batch_ids),
    ).fetchall()
    return {batch_id: json.loads(data)["name"] for batch_id, data in rows}
