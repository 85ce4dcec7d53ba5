"""Batches through real Huey consumer threads on a real SQLite file."""

from __future__ import annotations

import errno
import os
import shutil
import sys
import threading
from collections import defaultdict

import pytest

from desktopapp.core import journal, store
from desktopapp.core.db import Event, Photo
from desktopapp.platform import thread_priority
from tests.conftest import wait_until_final
from tests.helpers import make_photo, make_photos


def test_200_photo_batch_completes_with_every_event_in_order(core, tmp_path):
    files = make_photos(tmp_path / "drop" / "Chambre", 200)
    result = core.create_batch(files)
    snap = wait_until_final(core, result.batch_id, timeout=120)

    assert snap["status"] == "COMPLETED" and snap["progress"] == 100
    assert snap["counts"]["completed"] == 200
    assert {p["roomType"] for p in snap["photos"]} == {"bedroom"}
    events = journal.events_after(result.batch_id, 0, limit=10_000)
    ids = [e.id for e in events]
    assert ids == sorted(set(ids))  # strictly increasing
    assert events[0].type == "batch.created"
    per_photo: dict[int, list[str]] = defaultdict(list)
    finished = []
    for event in events[1:]:
        (photo,) = event.payload["photos"]
        per_photo[photo["id"]].append(event.type)
        counts = event.payload["counts"]
        assert counts["total"] == 200
        finished.append(counts["completed"] + counts["failed"])
    assert all(kinds == ["photo.processing", "photo.done"] for kinds in per_photo.values())
    assert len(per_photo) == 200
    assert finished == sorted(finished)  # progress never goes backwards
    assert events[-1].payload["status"] == "COMPLETED"


def test_a_bad_file_fails_alone_and_retry_failed_requeues_it(core, tmp_path):
    drop = tmp_path / "drop" / "Cuisine"
    make_photo(drop / "ok-1.jpg", 1)
    make_photo(drop / "ok-2.jpg", 2)
    broken = drop / "broken.jpg"
    broken.write_bytes((drop / "ok-1.jpg").read_bytes()[:600])  # cut mid-data
    result = core.create_batch([drop / "ok-1.jpg", broken, drop / "ok-2.jpg"])
    snap = wait_until_final(core, result.batch_id)
    assert snap["status"] == "PARTIAL"
    bad = next(p for p in snap["photos"] if p["fileName"] == "broken.jpg")
    assert bad["status"] == "ERROR" and bad["errorCode"] in {"truncated", "corrupt"}
    assert bad["errorMessage"] and "Error" not in bad["errorMessage"]

    make_photo(broken, 3)  # the person fixes the file, then asks for a retry
    assert core.retry_failed(result.batch_id).requeued == 1
    snap = wait_until_final(core, result.batch_id)
    assert snap["status"] == "COMPLETED"
    kinds = [e.type for e in journal.events_after(result.batch_id, 0)]
    assert kinds.count("photo.requeued") == 1
    assert kinds[-2:] == ["photo.processing", "photo.done"]


def test_retry_failed_leaves_permanent_failures_and_lists_them(core, tmp_path):
    drop = tmp_path / "drop"
    make_photo(drop / "ok.jpg", 1)
    (drop / "notes.jpg").write_text("not a picture at all")  # not_an_image: permanent
    truncated = drop / "cut.jpg"
    truncated.write_bytes((drop / "ok.jpg").read_bytes()[:600])  # may still be copying
    result = core.create_batch([drop / "ok.jpg", drop / "notes.jpg", truncated])
    snap = wait_until_final(core, result.batch_id)
    codes = {p["fileName"]: p["errorCode"] for p in snap["photos"]}
    assert codes["notes.jpg"] == "not_an_image" and codes["cut.jpg"] in {"truncated", "corrupt"}
    head = journal.head_id(result.batch_id)
    retry = core.retry_failed(result.batch_id)
    assert retry.requeued == 1
    assert [(p["fileName"], p["errorCode"]) for p in retry.not_retried] == [
        ("notes.jpg", "not_an_image")
    ]
    assert retry.not_retried[0]["errorMessage"]
    requeued = journal.events_after(result.batch_id, head)[0]
    assert [p["fileName"] for p in requeued.payload["photos"]] == ["cut.jpg"]
    wait_until_final(core, result.batch_id)
    assert core.retry_failed(result.batch_id).requeued == 1  # cut.jpg, still cut: again


def test_vanished_source_is_a_clear_per_photo_error(core, tmp_path):
    drop = tmp_path / "drop"
    files = make_photos(drop, 3)
    core.queue.stop()  # hold the workers while the source disappears
    result = core.create_batch(files)
    files[1].unlink()
    core.queue.start(2)
    snap = wait_until_final(core, result.batch_id)
    gone = next(p for p in snap["photos"] if p["fileName"] == files[1].name)
    assert gone["errorCode"] == "source_missing"
    assert "no longer" in gone["errorMessage"]
    assert snap["status"] == "PARTIAL"


def test_transient_io_error_is_retried_and_not_counted_as_failed(core, tmp_path, monkeypatch):
    files = make_photos(tmp_path / "drop", 1)
    real_read = store.read_chunk
    failures = iter([OSError(errno.EIO, "I/O error")])

    def flaky_read(fd: int, size: int) -> bytes:  # the OS call fails once, as a disk may
        failure = next(failures, None)
        if failure is not None:
            raise failure
        return real_read(fd, size)

    monkeypatch.setattr(store, "read_chunk", flaky_read)
    result = core.create_batch(files)
    snap = wait_until_final(core, result.batch_id, timeout=30)
    assert snap["status"] == "COMPLETED"
    events = journal.events_after(result.batch_id, 0)
    retrying = [e for e in events if e.type == "photo.retrying"]
    assert len(retrying) == 1
    assert retrying[0].payload["counts"]["failed"] == 0  # waiting for a retry is not failed
    assert retrying[0].payload["counts"]["queued"] == 1
    assert retrying[0].payload["status"] == "QUEUED"  # its only photo waits: queued again
    assert [e.type for e in events][-2:] == ["photo.processing", "photo.done"]


def test_near_duplicates_and_identical_content_share_the_store(core, tmp_path):
    drop = tmp_path / "drop"
    original = make_photo(drop / "salon-a.jpg", 7, size=(400, 300))
    from PIL import Image

    with Image.open(original) as im:
        im.resize((380, 285)).save(drop / "salon-b.jpg", quality=60)
    make_photo(drop / "salon-c.jpg", 8, size=(400, 300))
    result = core.create_batch([drop])
    snap = wait_until_final(core, result.batch_id)
    flagged = {p["fileName"]: p for p in snap["photos"]}
    dup = [p for p in flagged.values() if "near_duplicate" in p["flags"]]
    assert len(dup) == 1 and dup[0]["fileName"] in {"salon-a.jpg", "salon-b.jpg"}
    assert "near_duplicate" not in flagged["salon-c.jpg"]["flags"]

    # the same bytes dropped again later: one stored copy, one thumbnail
    again = core.create_batch([shutil.copy(original, tmp_path / "again.jpg")])
    wait_until_final(core, again.batch_id)
    shas = {
        p.sha256 for p in Photo.select().where(Photo.file_name.in_(["salon-a.jpg", "again.jpg"]))
    }
    assert len(shas) == 1
    assert len(list(core.paths.store.iterdir())) == 3


def test_every_state_change_has_its_journal_row(core, tmp_path):
    result = core.create_batch(make_photos(tmp_path / "drop", 5))
    wait_until_final(core, result.batch_id)
    assert Event.select().where(Event.batch == result.batch_id).count() == 1 + 5 * 2


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")
def test_worker_threads_run_at_a_lower_priority_than_the_window(core, tmp_path):
    result = core.create_batch(make_photos(tmp_path / "drop", 4))
    wait_until_final(core, result.batch_id)  # every worker has started by now
    workers = [t for t in threading.enumerate() if t.name.startswith("Worker-")]
    assert len(workers) == 2
    own = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    for worker in workers:
        assert worker.native_id is not None
        nice = os.getpriority(os.PRIO_PROCESS, worker.native_id)
        assert nice == min(19, own + thread_priority.NICE_INCREMENT)


def test_a_file_swapped_for_a_fifo_or_a_huge_sparse_file_fails_alone(core, tmp_path):
    """Path imports read the person's files as they are when the worker comes: a FIFO swapped
    in after intake, or a 64 GiB sparse file, fail that photo at once; the others go on."""
    drop = tmp_path / "drop"
    make_photo(drop / "ok.jpg", 1)
    make_photo(drop / "swapped.jpg", 2)
    huge = drop / "huge.jpg"
    with open(huge, "wb") as out:
        out.write((drop / "ok.jpg").read_bytes()[:64])
        out.truncate(64 * 1024**3)
    core.queue.stop()  # intake first, then the swap, then the workers
    result = core.create_batch([drop])
    (drop / "swapped.jpg").unlink()
    os.mkfifo(drop / "swapped.jpg")  # nobody will ever write to it
    core.queue.start(2)
    snap = wait_until_final(core, result.batch_id, timeout=60)
    photos = {p["fileName"]: p for p in snap["photos"]}
    assert photos["ok.jpg"]["status"] == "DONE"
    assert photos["swapped.jpg"]["errorCode"] == "source_unreadable"
    assert "not a regular file" in photos["swapped.jpg"]["errorMessage"]
    assert photos["huge.jpg"]["errorCode"] == "too_large"
    assert "65,536 MB" in photos["huge.jpg"]["errorMessage"]
    stored = [p for p in core.paths.store.iterdir() if not p.name.startswith(".")]
    assert len(stored) == 1  # only ok.jpg was copied


def test_photos_that_lost_their_task_are_queued_again_while_running(core, tmp_path):
    """A claim or a result that a full disk refused leaves a photo PENDING or PROCESSING with
    no task (Huey had already taken it): the in-process recovery queues it again."""
    from desktopapp.core import tasks

    make_photo(tmp_path / "drop" / "a.jpg", 1)
    make_photo(tmp_path / "drop" / "b.jpg", 2)
    batch_id = core.create_batch([tmp_path / "drop"]).batch_id
    wait_until_final(core, batch_id)
    assert tasks.requeue_lost(core.db, core.bus, core.queue) == 0  # nothing lost: no-op
    core.db.execute_sql(  # as a failed write leaves them: no task anywhere
        "UPDATE photo SET status = CASE file_name WHEN 'a.jpg' THEN 'PROCESSING' "
        "ELSE 'PENDING' END WHERE batch_id = ?",
        (batch_id,),
    )
    if core.settings.team:  # a PROCESSING photo is some worker's: its lease decides
        assert tasks.requeue_lost(core.db, core.bus, core.queue) == 1  # the PENDING one
        after_the_lease = core.leases.clock() + core.settings.lease_seconds + 1
        assert core.leases.sweep(now=after_the_lease) == (1, 0)
    else:
        assert tasks.requeue_lost(core.db, core.bus, core.queue) == 2
    snap = wait_until_final(core, batch_id)
    assert snap["status"] == "COMPLETED"
    kinds = [e.type for e in journal.events_after(batch_id, 0)]
    assert kinds.count("photo.done") == 4  # each done once more, none doubled
