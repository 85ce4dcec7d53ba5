"""Reading a batch's state from the database: counts, snapshot, list, inventory."""

from __future__ import annotations

from typing import Any

from peewee import fn

from desktopapp.core import progress
from desktopapp.core.db import Batch, Photo, Project
from desktopapp.inventory.aggregate import inventory_summary
from desktopapp.inventory.catalogue import Catalogue


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


def batch_counts(batch_id: int) -> progress.Counts:
    rows = Photo._meta.database.execute_sql(_COUNTS_SQL, (batch_id,)).fetchall()
    return progress.counts_from_statuses(dict(rows))


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


def snapshot(batch_id: int, catalogue: Catalogue) -> dict[str, Any]:
    """The full state: the stream's first event, `GET /api/batches/{id}` and `--json`,
    with volumes from `catalogue` (the core's: the user's overrides applied)."""
    batch = get_batch(batch_id)
    photos = batch_photos(batch_id)
    counts = progress.count_photos(photo.status for photo in photos)
    payload = progress.snapshot_payload(
        batch_id,
        counts,
        (progress.photo_payload(photo) for photo in photos),
        inventory_summary(photos, batch.analyzer, catalogue),
    )
    payload["project"] = batch.project.name
    payload["createdAt"] = batch.created_at
    payload["skipped"] = batch.skipped
    payload["notices"] = batch.notices
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
    listing = []
    for batch in batches:
        counts = progress.counts_from_statuses(tallies.get(batch.id, {}))
        listing.append(
            {
                "batchId": batch.id,
                "project": batch.project.name,
                "createdAt": batch.created_at,
                "status": progress.batch_status(counts),
                "progress": progress.percent(counts),
                "counts": counts.as_dict(),
            }
        )
    return listing
