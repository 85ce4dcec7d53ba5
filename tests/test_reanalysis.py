"""Analysing photos again (issue 15: "can be re-analysed later"), on a real core: SQLite,
Huey's consumer threads, the journal, the real VisionAnalyzer asking a real loopback
model server that first answers nonsense, then good JSON."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from desktopapp.core import journal, state
from desktopapp.core.db import DONE, PENDING, Batch, Photo
from desktopapp.core.events import BatchWatcher
from desktopapp.core.reanalysis import NothingToReanalyse, ReanalysisError
from desktopapp.core.services import Core
from desktopapp.platform.settings import Settings
from tests.conftest import wait_until_final
from tests.helpers import make_photo
from tests.model_helpers import drop, labels, vision_core

WAIT = 60.0


def wait_for(core: Core, batch_id: int, condition, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    with BatchWatcher(core.bus, batch_id) as watcher:
        while not condition(state.batch_counts(batch_id)):
            assert time.monotonic() < deadline, state.batch_counts(batch_id)
            watcher.wait(timeout=1.0)


def test_photos_the_model_missed_gain_its_items_and_keep_the_corrections(tmp_path, model):
    core = vision_core(tmp_path / "data", model)
    core.start()
    try:
        batch_id = core.create_batch([drop(tmp_path / "drop", 3)]).batch_id
        first = wait_until_final(core, batch_id)
        assert first["status"] == "COMPLETED"
        assert all(p["flags"] == ["model_bad_answer"] and not p["items"] for p in first["photos"])
        a, b, c = (p["id"] for p in first["photos"])
        # the user's own corrections, made while the model was down
        core.correct(batch_id, "photo.item", {"photoId": a, "label": "chair", "quantity": 2})
        core.correct(batch_id, "photo.relabel", {"photoId": a, "label": "chair", "to": "armchair"})
        core.correct(batch_id, "photo.item", {"photoId": b, "label": "sofa", "quantity": 0})
        for source in (tmp_path / "drop" / "Salon").iterdir():
            source.unlink()  # the originals are gone: the store's copies are read
        head = journal.head_id(batch_id)

        model.answer = "good"
        result = core.reanalyse(batch_id, model_notices=True)
        assert result.requeued == [a, b, c] and result.skipped == [] and not result.paused
        final = wait_until_final(core, batch_id)

        assert final["status"] == "COMPLETED" and final["counts"]["completed"] == 3
        photos = {p["id"]: p for p in final["photos"]}
        assert all("model_bad_answer" not in p["flags"] for p in photos.values())
        assert labels(photos[c]) == {"sofa": (1, "model"), "wardrobe": (2, "model")}
        # a: the model's items, and the chairs the user added, then called armchairs
        assert labels(photos[a]) == {
            "sofa": (1, "model"),
            "wardrobe": (2, "model"),
            "armchair": (2, "hand"),
        }
        assert labels(photos[b]) == {"wardrobe": (2, "model")}  # the user's "no sofa" holds
        assert photos[a]["detected"]["items"][0]["source"] == "model"
        assert final["review"]["corrections"] == 3

        entries = journal.events_after(batch_id, head, 1000)
        requeued = entries[0]
        assert requeued.type == "photo.requeued"
        assert requeued.payload["status"] == "QUEUED" and requeued.payload["counts"]["queued"] == 3
        assert {p["status"] for p in requeued.payload["photos"]} == {PENDING}
        assert [e.payload["status"] for e in entries if e.type == "photo.done"][-1] == "COMPLETED"
        assert [e.type for e in entries].count("photo.done") == 3

        # a relabel of what the model saw, then the model fails again: the label is gone
        core.correct(
            batch_id, "photo.relabel", {"photoId": c, "label": "wardrobe", "to": "dresser"}
        )
        assert labels(core.snapshot(batch_id)["photos"][2])["dresser"] == (2, "hand")
        model.answer = 401  # a refused key: no retry
        assert core.reanalyse(batch_id, [c]).requeued == [c]
        final = wait_until_final(core, batch_id)
        assert final["photos"][2]["flags"] == ["model_unavailable"]
        assert final["photos"][2]["items"] == [] and final["status"] == "COMPLETED"
        assert final["review"]["corrections"] == 4  # kept, waiting for a wardrobe
    finally:
        assert core.stop(timeout=30)


def test_what_cannot_be_analysed_again_is_refused_or_skipped(tmp_path, model):
    core = vision_core(tmp_path / "data", model)
    try:
        folder = drop(tmp_path / "drop", 2)
        (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
        batch_id = core.create_batch([folder]).batch_id
        other = core.create_batch([drop(tmp_path / "other", 1)]).batch_id
        queued = [p.id for p in Photo.select().where(Photo.batch == batch_id)]
        with pytest.raises(NothingToReanalyse) as refused:  # nothing has run yet
            core.reanalyse(batch_id, queued)
        assert {s["reason"] for s in refused.value.skipped} == {"queued"}
        core.start()
        final = wait_until_final(core, batch_id)
        wait_until_final(core, other)
        assert final["status"] == "PARTIAL"
        failed = next(p["id"] for p in final["photos"] if p["status"] == "ERROR")
        done = [p["id"] for p in final["photos"] if p["status"] == DONE]
        other_photo = Photo.get(Photo.batch == other).id

        with pytest.raises(ReanalysisError) as wrong:
            core.reanalyse(batch_id, [done[0], other_photo])
        assert wrong.value.code == "photo_not_in_batch"
        assert state.batch_counts(batch_id).queued == 0  # nothing changed
        with pytest.raises(NothingToReanalyse) as only_failed:
            core.reanalyse(batch_id, [failed])
        assert only_failed.value.skipped[0]["reason"] == "failed"
        with pytest.raises(state.BatchNotFound):
            core.reanalyse(999, [done[0]])

        model.answer = "good"
        result = core.reanalyse(batch_id, [failed, *done])
        assert result.requeued == done
        assert [(s["photoId"], s["reason"]) for s in result.skipped] == [(failed, "failed")]
        final = wait_until_final(core, batch_id)
        assert final["status"] == "PARTIAL"
        assert all("sofa" in labels(p) for p in final["photos"] if p["id"] in done)
        with pytest.raises(NothingToReanalyse):  # the model answered: none missed now
            core.reanalyse(batch_id, model_notices=True)
    finally:
        assert core.stop(timeout=30)


def names_core(data_dir: Path, workers: int = 1) -> Core:
    core = Core(Settings(data_dir=data_dir, workers=workers, analyzer="names"))
    core.start()
    return core


def many(folder: Path, count: int) -> Path:
    for i in range(count):
        make_photo(folder / f"p{i:03d}.jpg", i, size=(640, 480))
    return folder


def test_a_paused_batch_keeps_them_waiting_until_it_resumes(tmp_path):
    core = names_core(tmp_path / "data")
    try:
        batch_id = core.create_batch([many(tmp_path / "drop", 120)]).batch_id
        wait_for(core, batch_id, lambda counts: counts.completed >= 3)
        core.queue_control.pause(batch_id)
        wait_for(core, batch_id, lambda counts: counts.processing == 0)
        first = Photo.select().where(Photo.batch == batch_id).order_by(Photo.position).first()
        assert first.status == DONE
        result = core.reanalyse(batch_id, [first.id])
        assert result.requeued == [first.id] and result.paused is True
        assert state.snapshot(batch_id, core.catalogue)["status"] == "PAUSED"
        assert Photo.get_by_id(first.id).status == PENDING  # no worker may claim it
        core.queue_control.resume(batch_id)
        final = wait_until_final(core, batch_id)
        assert final["status"] == "COMPLETED" and final["counts"]["completed"] == 120
        assert Photo.get_by_id(first.id).attempts == 1  # analysed once more, from zero
    finally:
        assert core.stop(timeout=30)


def test_a_stale_pause_flag_on_a_finished_batch_is_cleared(tmp_path):
    core = names_core(tmp_path / "data")
    try:
        batch_id = core.create_batch([many(tmp_path / "drop", 2)]).batch_id
        wait_until_final(core, batch_id)
        Batch.update(paused=1).where(Batch.id == batch_id).execute()  # paused as it ended
        photo_id = Photo.get(Photo.batch == batch_id).id
        result = core.reanalyse(batch_id, [photo_id])
        assert result.paused is False and not Batch.get_by_id(batch_id).paused
        assert wait_until_final(core, batch_id)["status"] == "COMPLETED"
    finally:
        assert core.stop(timeout=30)


def test_a_cancelled_batch_analyses_its_done_photos_again_and_stays_cancelled(tmp_path):
    core = names_core(tmp_path / "data")
    try:
        batch_id = core.create_batch([many(tmp_path / "drop", 120)]).batch_id
        wait_for(core, batch_id, lambda counts: counts.completed >= 2)
        assert core.queue_control.cancel(batch_id) > 0
        final = wait_until_final(core, batch_id)
        assert final["status"] == "CANCELLED"
        done = next(p["id"] for p in final["photos"] if p["status"] == DONE)
        cancelled = next(p["id"] for p in final["photos"] if p["status"] == "CANCELLED")
        result = core.reanalyse(batch_id, [done, cancelled])
        assert result.requeued == [done]
        assert [s["reason"] for s in result.skipped] == ["cancelled"]
        again = wait_until_final(core, batch_id)
        assert again["status"] == "CANCELLED"
        assert again["counts"]["completed"] == final["counts"]["completed"]
    finally:
        assert core.stop(timeout=30)
