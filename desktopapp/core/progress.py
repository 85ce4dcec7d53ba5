"""Pure functions: counts, batch status, percent and the stream payloads (DESIGN.md)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from desktopapp.core.db import CANCELLED, DONE, ERROR, PENDING, PROCESSING

QUEUED = "QUEUED"
BATCH_PROCESSING = "PROCESSING"
PAUSED = "PAUSED"
COMPLETED = "COMPLETED"
PARTIAL = "PARTIAL"
FAILED = "FAILED"
BATCH_CANCELLED = "CANCELLED"
FINAL_STATUSES = frozenset({COMPLETED, PARTIAL, FAILED, BATCH_CANCELLED})


@dataclass(frozen=True)
class Counts:
    queued: int = 0
    processing: int = 0
    completed: int = 0
    failed: int = 0
    cancelled: int = 0
    paused: bool = False  # the batch's own flag: none of its queued photos may start

    @property
    def total(self) -> int:
        return self.queued + self.processing + self.completed + self.failed + self.cancelled

    def as_dict(self) -> dict[str, int]:
        counts = {
            "queued": self.queued,
            "processing": self.processing,
            "completed": self.completed,
            "failed": self.failed,
            "total": self.total,
        }
        if self.cancelled:  # only batches that were cancelled say it
            counts["cancelled"] = self.cancelled
        return counts


def counts_from_statuses(by_status: Mapping[str, int], paused: bool = False) -> Counts:
    """Photo-state tallies → counts. A photo waiting for a retry is PENDING: queued."""
    return Counts(
        queued=by_status.get(PENDING, 0),
        processing=by_status.get(PROCESSING, 0),
        completed=by_status.get(DONE, 0),
        failed=by_status.get(ERROR, 0),
        cancelled=by_status.get(CANCELLED, 0),
        paused=paused,
    )


def counts_from_dict(counts: Mapping[str, int]) -> Counts:
    """The payloads' `counts` object back into `Counts`."""
    return Counts(
        queued=int(counts.get("queued", 0)),
        processing=int(counts.get("processing", 0)),
        completed=int(counts.get("completed", 0)),
        failed=int(counts.get("failed", 0)),
        cancelled=int(counts.get("cancelled", 0)),
    )


def count_photos(statuses: Iterable[str], paused: bool = False) -> Counts:
    tally: dict[str, int] = {}
    for status in statuses:
        tally[status] = tally.get(status, 0) + 1
    return counts_from_statuses(tally, paused)


def batch_status(counts: Counts) -> str:
    finished = counts.completed + counts.failed + counts.cancelled
    if counts.paused and (counts.queued or counts.processing):
        return PAUSED
    if counts.processing or (counts.queued and finished):
        return BATCH_PROCESSING
    if counts.queued:
        return QUEUED
    if counts.cancelled:
        return BATCH_CANCELLED
    if counts.failed == 0:
        return COMPLETED
    if counts.completed == 0:
        return FAILED
    return PARTIAL


def percent(counts: Counts) -> int:
    if counts.total == 0:
        return 100
    return (100 * (counts.completed + counts.failed + counts.cancelled)) // counts.total


def is_final(status: str) -> bool:
    return status in FINAL_STATUSES


def photo_payload(photo: Any) -> dict[str, Any]:
    """The client-facing view of one photo row."""
    return {
        "id": photo.id,
        "fileName": photo.file_name,
        "status": photo.status,
        "roomType": photo.room_type,
        "roomSource": getattr(photo, "room_source", None),
        "roomName": getattr(photo, "room_name", None),
        "roomCue": getattr(photo, "room_cue", None),
        "attempts": photo.attempts,
        "errorCode": photo.error_code,
        "errorMessage": photo.error_message,
        "width": photo.width,
        "height": photo.height,
        "flags": list(photo.flags or []),
        "duplicateOf": photo.duplicate_of,
        "itemsCount": sum(int(item.get("quantity", 1)) for item in photo.items or []),
        "items": list(photo.items or []),
        "thumbnailUrl": f"/api/photos/{photo.id}/thumbnail" if photo.status == DONE else None,
        # corrections (desktopapp.inventory.corrections): left out of the inventory by the
        # user, and what the pipeline found when the user changed the room or the items
        "excluded": bool(getattr(photo, "excluded", False)),
        "detected": _detected(photo),
    }


def _detected(photo: Any) -> dict[str, Any] | None:
    if not getattr(photo, "corrected", False):
        return None
    row = photo._row
    return {
        "roomType": row.room_type,
        "roomName": getattr(row, "room_name", None),
        "items": list(row.items or []),
    }


def progress_payload(
    batch_id: int, counts: Counts, photos: Iterable[Mapping[str, Any]]
) -> dict[str, Any]:
    return {
        "batchId": batch_id,
        "status": batch_status(counts),
        "progress": percent(counts),
        "counts": counts.as_dict(),
        "photos": list(photos),
    }


def snapshot_payload(
    batch_id: int,
    counts: Counts,
    photos: Iterable[Mapping[str, Any]],
    summary: Mapping[str, Any],
) -> dict[str, Any]:
    payload = progress_payload(batch_id, counts, photos)
    payload["snapshot"] = True
    payload["inventorySummary"] = dict(summary)
    return payload
