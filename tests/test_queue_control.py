"""Pause, resume, cancel and move to the front (issue 14, point 1 and 2), on a real core:
SQLite, Huey's consumer threads, the journal."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from desktopapp.core import journal, state
from desktopapp.core.events import BatchWatcher
from desktopapp.core.queue_control import BatchIsFinal
from desktopapp.core.services import Core
from desktopapp.platform.settings import Settings
from tests.conftest import wait_until_final
from tests.helpers import make_photo

REPO = Path(__file__).resolve().parents[1]
WAIT = 60.0


def photos(folder: Path, count: int, seed: int = 0) -> Path:
    for i in range(count):
        make_photo(folder / f"p{i:03d}.jpg", seed + i, size=(640, 480))
    return folder


def names_core(data_dir: Path, workers: int = 2, start: bool = True) -> Core:
    core = Core(Settings(data_dir=data_dir, workers=workers, analyzer="names"))
    if start:
        core.start()
    return core


def wait_for(core: Core, batch_id: int, condition, timeout: float = WAIT) -> None:
    """Follow the batch on the bus until `condition(counts)` holds."""
    import time

    deadline = time.monotonic() + timeout
    with BatchWatcher(core.bus, batch_id) as watcher:
        while not condition(state.batch_counts(batch_id)):
            assert time.monotonic() < deadline, state.batch_counts(batch_id)
            watcher.wait(timeout=1.0)


def events(batch_id: int) -> list[journal.JournalEntry]:
    return journal.events_after(batch_id, 0, 1_000_000)


def test_pause_mid_batch_then_resume(tmp_path):
    core = names_core(tmp_path / "data")
    try:
        batch_id = core.create_batch([photos(tmp_path / "drop", 200)]).batch_id
        wait_for(core, batch_id, lambda counts: counts.completed >= 20)
        assert core.queue_control.pause(batch_id) == "PAUSED"
        assert core.queue_control.pause(batch_id) == "PAUSED"  # twice is fine
        (paused_event,) = [e for e in events(batch_id) if e.type == "batch.paused"]
        assert paused_event.payload["status"] == "PAUSED"
        wait_for(core, batch_id, lambda counts: counts.processing == 0)
        counts = state.batch_counts(batch_id)
        assert counts.queued > 0 and counts.completed < 200  # it did stop mid-way
        snap = core.snapshot(batch_id)
        assert snap["status"] == "PAUSED" and snap["paused"] is True
        # no photo of the batch started after the pause event
        assert not [
            e for e in events(batch_id) if e.type == "photo.processing" and e.id > paused_event.id
        ]
        assert core.queue_control.resume(batch_id) in ("PROCESSING", "QUEUED")
        final = wait_until_final(core, batch_id)
        assert final["status"] == "COMPLETED" and final["counts"]["completed"] == 200
        done = [e for e in events(batch_id) if e.type == "photo.done"]
        assert len(done) == 200  # one terminal event per photo
        assert len({p["id"] for e in done for p in e.payload["photos"]}) == 200
        with pytest.raises(BatchIsFinal):
            core.queue_control.resume(batch_id)  # a finished batch: a clear refusal
    finally:
        assert core.stop(timeout=30)


_KILL_AFTER_PAUSE = """
import os, signal, sys
sys.path.insert(0, {repo!r})
from pathlib import Path
from desktopapp.core.services import Core
from desktopapp.platform.settings import Settings
core = Core(Settings(data_dir=Path({data!r}), workers=2, analyzer="names"))
batch_id = core.create_batch([Path({drop!r})]).batch_id
core.queue_control.pause(batch_id)
print(batch_id, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_paused_batch_stays_paused_after_kill_9_and_a_restart(tmp_path):
    drop = photos(tmp_path / "drop", 30)
    data = tmp_path / "data"
    script = _KILL_AFTER_PAUSE.format(repo=str(REPO), data=str(data), drop=str(drop))
    killed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert killed.returncode == -9, killed.stderr
    batch_id = int(killed.stdout.split()[0])
    core = names_core(data)
    try:
        snap = core.snapshot(batch_id)
        assert snap["status"] == "PAUSED" and snap["counts"]["queued"] == 30
        # nothing can start: no task queued, nothing running, nothing left for recovery
        assert core.queue.pending_count() == 0 and not core.queue.busy_ids()
        from desktopapp.core import tasks

        assert tasks.requeue_lost(core.db, core.bus, core.queue) == 0
        assert not [e for e in events(batch_id) if e.type == "photo.processing"]
        core.queue_control.resume(batch_id)
        assert wait_until_final(core, batch_id)["status"] == "COMPLETED"
    finally:
        assert core.stop(timeout=30)


def test_cancel_makes_the_batch_final_and_the_counts_add_up(tmp_path):
    core = names_core(tmp_path / "data")
    try:
        batch_id = core.create_batch([photos(tmp_path / "drop", 60)]).batch_id
        wait_for(core, batch_id, lambda counts: counts.completed >= 5)
        core.queue_control.pause(batch_id)  # (not needed to cancel: it fixes the counts)
        wait_for(core, batch_id, lambda counts: counts.processing == 0)
        before = state.batch_counts(batch_id)
        cancelled = core.queue_control.cancel(batch_id)
        assert cancelled == before.queued > 0
        snap = core.snapshot(batch_id)
        counts = snap["counts"]
        assert snap["status"] == "CANCELLED" and snap["progress"] == 100
        assert counts["completed"] + counts["failed"] + counts["cancelled"] == counts["total"] == 60
        assert {p["status"] for p in snap["photos"]} == {"DONE", "CANCELLED"}
        assert core.queue_control.cancel(batch_id) == 0  # again: nothing more
        with pytest.raises(BatchIsFinal):
            core.queue_control.pause(batch_id)
        (event,) = [e for e in events(batch_id) if e.type == "batch.cancelled"]
        assert len(event.payload["photos"]) == cancelled
    finally:
        assert core.stop(timeout=30)


def test_a_batch_moved_to_the_front_goes_first(tmp_path):
    core = names_core(tmp_path / "data", workers=1)
    try:
        a = photos(tmp_path / "a", 25)
        b = photos(tmp_path / "b", 15, seed=100)
        first = core.create_batch([a]).batch_id
        second = core.create_batch([b]).batch_id
        assert core.queue_control.move_to_front(second) == 1
        (moved,) = [e for e in events(second) if e.type == "batch.priority"]
        wait_until_final(core, first)
        wait_until_final(core, second)
        started_second = [e.id for e in events(second) if e.type == "photo.processing"]
        started_first_after = [
            e.id for e in events(first) if e.type == "photo.processing" and e.id > moved.id
        ]
        assert len(started_second) == 15 and started_first_after
        # once moved, every photo of b starts before any further photo of a
        assert max(started_second) < min(started_first_after)
        assert state.list_batches()[0]["priority"] == 1
    finally:
        assert core.stop(timeout=30)


def test_queued_priorities_survive_a_restart(tmp_path):
    core = names_core(tmp_path / "data", workers=1, start=False)
    try:
        first = core.create_batch([photos(tmp_path / "a", 10)]).batch_id
        second = core.create_batch([photos(tmp_path / "b", 10, seed=100)]).batch_id
        core.queue_control.move_to_front(second)
        core.start()  # the start-up recovery queues the front batch first
        wait_until_final(core, first)
        wait_until_final(core, second)
        started_first = [e.id for e in events(first) if e.type == "photo.processing"]
        started_second = [e.id for e in events(second) if e.type == "photo.processing"]
        assert max(started_second) < min(started_first)
    finally:
        assert core.stop(timeout=30)


def test_a_paused_batch_moved_to_the_front_keeps_its_place_when_resumed(tmp_path):
    core = names_core(tmp_path / "data", workers=1)
    try:
        first = core.create_batch([photos(tmp_path / "a", 25)]).batch_id
        second = core.create_batch([photos(tmp_path / "b", 10, seed=100)]).batch_id
        core.queue_control.pause(second)
        core.queue_control.move_to_front(second)  # paused: nothing queued yet
        core.queue_control.resume(second)  # queued again, with its priority
        (resumed,) = [e for e in events(second) if e.type == "batch.resumed"]
        wait_until_final(core, first)
        wait_until_final(core, second)
        started_second = [e.id for e in events(second) if e.type == "photo.processing"]
        started_first_after = [
            e.id for e in events(first) if e.type == "photo.processing" and e.id > resumed.id
        ]
        assert len(started_second) == 10 and started_first_after
        assert max(started_second) < min(started_first_after)
    finally:
        assert core.stop(timeout=30)
