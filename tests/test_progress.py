"""The status, count and percent rules of DESIGN.md, as a table."""

from types import SimpleNamespace

import pytest

from desktopapp.core import progress
from desktopapp.core.progress import Counts

CASES = [
    # queued, processing, done, failed -> status, percent
    ((3, 0, 0, 0), "QUEUED", 0),
    ((2, 1, 0, 0), "PROCESSING", 0),  # PROCESSING as soon as one photo starts
    ((0, 1, 0, 0), "PROCESSING", 0),
    ((1, 0, 2, 0), "PROCESSING", 66),  # a mix of finished and queued
    ((1, 0, 0, 1), "PROCESSING", 50),
    ((0, 1, 1, 1), "PROCESSING", 66),
    ((0, 0, 3, 0), "COMPLETED", 100),
    ((0, 0, 0, 3), "FAILED", 100),
    ((0, 0, 2, 1), "PARTIAL", 100),
    ((0, 0, 1, 2), "PARTIAL", 100),
    ((1, 0, 0, 0), "QUEUED", 0),
    ((2, 0, 1, 0), "PROCESSING", 33),  # floor, not round
    ((0, 0, 1, 0), "COMPLETED", 100),
]


@pytest.mark.parametrize(("tally", "status", "pct"), CASES)
def test_status_and_percent(tally, status, pct):
    counts = Counts(*tally)
    assert progress.batch_status(counts) == status
    assert progress.percent(counts) == pct
    assert counts.as_dict()["total"] == sum(tally)


def test_photo_waiting_for_retry_is_queued_not_failed():
    # a photo whose transient error is being retried is PENDING again (attempts > 0)
    counts = progress.count_photos(["DONE", "PENDING", "DONE"])
    assert counts == Counts(queued=1, completed=2)
    assert progress.batch_status(counts) == "PROCESSING"


def test_counts_from_photo_states():
    counts = progress.count_photos(["PENDING", "PROCESSING", "DONE", "DONE", "ERROR"])
    assert counts.as_dict() == {
        "queued": 1,
        "processing": 1,
        "completed": 2,
        "failed": 1,
        "total": 5,
    }


def _photo(**fields):
    base = dict(
        id=1,
        file_name="salon.jpg",
        status="DONE",
        room_type="living_room",
        attempts=1,
        error_code=None,
        error_message=None,
        width=10,
        height=10,
        flags=[],
        duplicate_of=None,
        items=[],
    )
    base.update(fields)
    return SimpleNamespace(**base)


def test_snapshot_and_delta_shapes():
    photos = [_photo(), _photo(id=2, status="PENDING", room_type=None)]
    counts = progress.count_photos(p.status for p in photos)
    summary = {"totalItems": 0}
    snap = progress.snapshot_payload(7, counts, map(progress.photo_payload, photos), summary)
    assert snap["snapshot"] is True
    assert snap["batchId"] == 7 and snap["status"] == "PROCESSING" and snap["progress"] == 50
    assert [p["id"] for p in snap["photos"]] == [1, 2]
    assert snap["photos"][0]["thumbnailUrl"] == "/api/photos/1/thumbnail"
    assert snap["photos"][1]["thumbnailUrl"] is None
    delta = progress.progress_payload(7, counts, [progress.photo_payload(photos[0])])
    assert "snapshot" not in delta and "inventorySummary" not in delta
    assert set(delta) == {"batchId", "status", "progress", "counts", "photos"}
