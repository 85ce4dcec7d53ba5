"""The in-memory pHash index of finished photos, on a real database."""

from __future__ import annotations

from pathlib import Path

from desktopapp.core import near_duplicates
from desktopapp.core.db import DONE, PENDING, Batch, Photo, Project, open_database
from desktopapp.core.near_duplicates import NearDuplicateIndex

CLOSE = 0b111  # 3 bits from 0: within the distance
FAR = (1 << 64) - 1  # 64 bits from 0


def make_batch(db, photos: list[tuple[int, str, int | None]]) -> tuple[int, list[int]]:
    """A batch whose photos are (position, status, phash)."""
    project, _ = Project.get_or_create(name="p")
    batch = Batch.create(project=project)
    ids = []
    for position, status, phash in photos:
        row = Photo.create(
            batch=batch,
            position=position,
            source_path=f"/x/{position}.jpg",
            file_name=f"{position}.jpg",
            status=status,
            phash=None if phash is None else f"{phash:016x}",
        )
        ids.append(row.id)
    return batch.id, ids


def test_first_match_by_position_and_finished_photos_only(tmp_path: Path) -> None:
    db = open_database(tmp_path / "db.sqlite")
    batch_id, (_late, early, pending, far) = make_batch(
        db, [(5, DONE, CLOSE), (2, DONE, CLOSE), (1, PENDING, None), (0, DONE, FAR)]
    )
    index = NearDuplicateIndex(db)
    assert index.match_and_add(batch_id, pending, 1, 0) == early  # position 2 before 5
    assert index.match_and_add(batch_id, 999, 9, FAR) == far
    assert index.match_and_add(batch_id, 1000, 10, 0xFFFF_FFFF) is None  # 29+ bits from all


def test_added_photos_are_matched_and_forget_undoes_an_add(tmp_path: Path) -> None:
    db = open_database(tmp_path / "db.sqlite")
    batch_id, _ = make_batch(db, [])
    index = NearDuplicateIndex(db)
    assert index.match_and_add(batch_id, 1, 0, 0) is None
    assert index.match_and_add(batch_id, 2, 1, CLOSE) == 1
    index.forget(batch_id, 1)
    assert index.match_and_add(batch_id, 3, 2, 0) == 2  # 1 is gone, 2 is still there
    assert index.match_and_add(batch_id, 3, 2, 0) == 2  # a photo never matches itself


def test_an_evicted_batch_is_read_again_from_the_database(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(near_duplicates, "KEPT_BATCHES", 1)
    db = open_database(tmp_path / "db.sqlite")
    first, (done,) = make_batch(db, [(0, DONE, 0)])
    second, _ = make_batch(db, [])
    index = NearDuplicateIndex(db)
    index.match_and_add(first, 100, 1, FAR)  # in memory only: not a DONE row
    index.match_and_add(second, 200, 0, 0)  # evicts the first batch
    assert index.match_and_add(first, 101, 2, FAR) is None  # 100 was not in the database
    assert index.match_and_add(first, 102, 3, CLOSE) == done


def test_a_teams_index_sees_what_other_machines_finished(postgres_url: str) -> None:
    """Two processes of a team finish photos of one batch: each one's index reads the batch
    again, so a photo finished by the other machine is matched (a local cache would not)."""
    from desktopapp.core.db_postgres import open_postgres

    db = open_postgres(postgres_url)
    try:
        batch_id, (mine, theirs) = make_batch(db, [(0, PENDING, None), (1, PENDING, None)])
        here = NearDuplicateIndex(db, shared=True)
        cached = NearDuplicateIndex(db)  # the desktop's: loaded once, then kept in step
        assert here.match_and_add(batch_id, mine, 0, 0) is None
        assert cached.match_and_add(batch_id, 500, 5, FAR) is None  # loads the batch now
        # the other machine finishes `theirs`, close to what comes next
        Photo.update(status=DONE, phash=f"{CLOSE:016x}").where(Photo.id == theirs).execute()
        assert here.match_and_add(batch_id, 777, 7, 0) == theirs
        assert cached.match_and_add(batch_id, 778, 8, 0) is None  # it never saw `theirs`
    finally:
        db.close()
