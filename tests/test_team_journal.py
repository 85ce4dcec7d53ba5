"""A team's database, in one process against a real PostgreSQL: the journal's order when
writers commit out of order, the cross-process bus (NOTIFY on COMMIT, and the safety
re-read when a notification is lost), and the leases that take back a dead worker's photos
and queue what Redis lost."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from peewee import DatabaseError

from desktopapp.core import journal, pg_bus
from desktopapp.core.db import PENDING, PROCESSING, Batch, Photo, Project
from desktopapp.core.db_postgres import CHANNEL, open_postgres, process_tag
from desktopapp.core.events import EventBus
from desktopapp.core.journal import WriteTransaction
from desktopapp.core.pg_bus import PgBusBridge
from desktopapp.core.services import Core
from desktopapp.platform.settings import Settings
from tests.conftest import wait_until_final
from tests.helpers import make_photos

WAIT = 10.0


class Heard:
    """What a bus told its listener, waited for on a condition (no polling)."""

    def __init__(self, bus: EventBus) -> None:
        self.events: list[tuple[int, int]] = []
        self._changed = threading.Condition()
        bus.subscribe(self._heard)

    def _heard(self, batch_id: int, head: int) -> None:
        with self._changed:
            self.events.append((batch_id, head))
            self._changed.notify_all()

    def wait_for(self, event: tuple[int, int], what: str) -> None:
        with self._changed:
            assert self._changed.wait_for(lambda: event in self.events, WAIT), what


@pytest.fixture
def db(postgres_url: str) -> Iterator:
    database = open_postgres(postgres_url)
    yield database
    database.close()


def new_batch() -> int:
    project, _ = Project.get_or_create(name="t")
    return Batch.create(project=project).id


def test_a_batchs_journal_ids_become_visible_in_order(db, postgres_url):
    """Writer 1 takes an id and holds its transaction open; writer 2 of the same batch
    must wait for it (the advisory lock), so no reader ever sees id N+1 before id N."""
    batch = new_batch()
    other = new_batch()
    ids: dict[str, int] = {}
    first_wrote, release_first = threading.Event(), threading.Event()

    def first() -> None:
        with WriteTransaction(db, None) as tx:
            ids["first"] = tx.record(batch, "first", {})
            first_wrote.set()
            assert release_first.wait(WAIT)

    one = threading.Thread(target=first)
    one.start()
    assert first_wrote.wait(WAIT)
    # a second writer of the batch cannot take an id while the first is open: told at
    # once by PostgreSQL's lock timeout, no waiting on our side
    with pytest.raises(DatabaseError, match="lock timeout"), WriteTransaction(db, None) as tx:
        db.execute_sql("SET LOCAL lock_timeout = '100ms'")
        tx.record(batch, "too early", {})
    # another batch's writer is not held up, and may commit a higher id first: readers
    # follow one batch at a time, so that order does not matter
    with WriteTransaction(db, None) as tx:
        other_id = tx.record(other, "other", {})
    assert other_id > ids["first"] and journal.events_after(other, 0)[0].id == other_id
    assert journal.events_after(batch, 0) == []  # nothing of the batch committed yet
    release_first.set()
    one.join(WAIT)
    with WriteTransaction(db, None) as tx:
        ids["second"] = tx.record(batch, "second", {})
    seen = [entry.id for entry in journal.events_after(batch, 0)]
    assert seen == [ids["first"], ids["second"]] and ids["second"] > ids["first"]


def test_without_the_lock_a_reader_would_skip_a_row(postgres_url, db):
    """Why the lock is needed: two raw transactions on one batch, the later id committed
    first; a reader that took "id > the newest" then never sees the older row."""
    batch = new_batch()
    insert = "INSERT INTO event (batch_id, type, payload, created_at) VALUES (%s, %s, '{}', 0)"
    with (
        psycopg.connect(postgres_url) as slow,
        psycopg.connect(postgres_url) as fast,
    ):
        slow.execute(insert, (batch, "slow"))  # takes the lower id, not committed
        fast.execute(insert, (batch, "fast"))
        fast.commit()
        seen_first = journal.events_after(batch, 0)
        slow.commit()
    assert [e.type for e in seen_first] == ["fast"]
    skipped = journal.events_after(batch, seen_first[-1].id)
    assert skipped == []  # the slow row, committed later with a lower id, is never read
    assert [e.type for e in journal.events_after(batch, 0)] == ["slow", "fast"]


@pytest.fixture
def another_process(monkeypatch) -> None:
    """The bridge as another process's: this process's commits are foreign to it."""
    monkeypatch.setattr(pg_bus, "process_tag", lambda: "another-machine:1")


def test_the_bus_hears_other_processes_commits_and_rereads_what_it_missed(
    db, postgres_url, another_process
):
    bus = EventBus()
    heard = Heard(bus)
    bridge = PgBusBridge(postgres_url, bus, safety_interval=0.3)
    bridge.start()
    try:
        assert bridge.connected.wait(WAIT)
        batch = new_batch()
        with WriteTransaction(db, None) as tx:  # no local bus: only the NOTIFY can tell
            head = tx.record(batch, "a", {})
        heard.wait_for((batch, head), "the commit's NOTIFY")

        # a rolled-back transaction notifies nobody
        rolled_back: list[int] = []
        with pytest.raises(RuntimeError), WriteTransaction(db, None) as tx:
            rolled_back.append(tx.record(batch, "b", {}))
            raise RuntimeError("rolled back")
        # a row committed with its notification lost: the safety re-read finds it
        with psycopg.connect(postgres_url, autocommit=True) as raw:
            lost = raw.execute(
                "INSERT INTO event (batch_id, type, payload, created_at)"
                " VALUES (%s, 'c', '{}', 0) RETURNING id",
                (batch,),
            ).fetchone()[0]
        heard.wait_for((batch, lost), "the safety re-read of the unannounced row")
        assert (batch, rolled_back[0]) not in heard.events  # never announced, never visible
    finally:
        bridge.stop()


def test_the_bus_listens_again_after_postgresql_restarts(
    db, postgres_url, postgres_server, another_process
):
    bus = EventBus()
    heard = Heard(bus)
    bridge = PgBusBridge(postgres_url, bus, safety_interval=0.3)
    bridge.start()
    try:
        assert bridge.connected.wait(WAIT)
        postgres_server.restart()
        batch = new_batch()  # the model's connection comes back by itself (reconnect)
        with WriteTransaction(db, None) as tx:
            head = tx.record(batch, "after-restart", {})
        heard.wait_for((batch, head), "the event written after the restart")
        assert bridge.connected.is_set()
    finally:
        bridge.stop()


def test_notifications_carry_batch_and_head(db, postgres_url):
    with psycopg.connect(postgres_url, autocommit=True) as listener:
        listener.execute(f"LISTEN {CHANNEL}")
        batch = new_batch()
        with WriteTransaction(db, None) as tx:
            tx.record(batch, "a", {})
            head = tx.record(batch, "b", {})
        (note,) = list(listener.notifies(timeout=WAIT, stop_after=1))
    # one per batch and transaction: its newest, and which process committed it
    assert note.payload == f"{batch}:{head}:{process_tag()}"


def test_a_process_leaves_its_own_commits_to_their_writer(db, postgres_url):
    """The writer tells its own followers after its after-COMMIT work (an upload's copy
    removed): its process's bridge must not tell them earlier, at COMMIT."""
    bus = EventBus()
    heard = Heard(bus)
    bridge = PgBusBridge(postgres_url, bus, safety_interval=0.3)
    bridge.start()
    try:
        assert bridge.connected.wait(WAIT)
        batch = new_batch()
        order: list[str] = []
        with WriteTransaction(db, bus) as tx:
            head = tx.record(batch, "a", {})
            tx.after_commit(lambda: order.append(f"after-commit, heard {len(heard.events)}"))
        assert order == ["after-commit, heard 0"] and heard.events == [(batch, head)]
        # its notification (own) and the safety re-reads add nothing afterwards
        with psycopg.connect(postgres_url, autocommit=True) as raw:
            other_batch = new_batch()
            other = raw.execute(
                "INSERT INTO event (batch_id, type, payload, created_at)"
                " VALUES (%s, 'x', '{}', 0) RETURNING id",
                (other_batch,),
            ).fetchone()[0]
        heard.wait_for((other_batch, other), "the re-read of another row")
        assert heard.events.count((batch, head)) == 1
    finally:
        bridge.stop()


# -- leases: a dead worker's photos, and what Redis lost ---------------------------------------


@pytest.fixture
def team_core(tmp_path: Path, postgres_url: str, redis_url: str) -> Iterator[Core]:
    core = Core(
        Settings(
            data_dir=tmp_path / "data",
            workers=0,  # the test drives the workers
            analyzer="names",
            database_url=postgres_url,
            queue_url=redis_url,
            store_dir=tmp_path / "shared",
            lease_seconds=2.0,
        )
    )
    yield core
    core.stop(timeout=30)


def test_a_dead_workers_photo_is_taken_back_and_its_late_result_refused(team_core, tmp_path):
    core = team_core
    batch_id = core.create_batch(make_photos(tmp_path / "drop", 3)).batch_id
    photos = list(Photo.select().where(Photo.batch == batch_id).order_by(Photo.id))
    # a worker on another machine claimed the first photo, then died: its lease ran out
    dead = photos[0]
    Photo.update(
        status=PROCESSING, attempts=1, worker="elsewhere:1:dead", lease_until=time.time() - 1
    ).where(Photo.id == dead.id).execute()
    assert core.leases.sweep() == (1, 0)
    assert Photo.get_by_id(dead.id).status == PENDING
    requeued = [e for e in journal.events_after(batch_id, 0) if e.type == "photo.requeued"]
    assert [p["id"] for p in requeued[0].payload["photos"]] == [dead.id]
    assert core.leases.sweep() == (0, 0)  # once only

    core.queue.start(1)
    snap = wait_until_final(core, batch_id)
    assert {p["status"] for p in snap["photos"]} == {"DONE"}
    again = Photo.get_by_id(dead.id)
    assert again.attempts == 2 and again.worker == core.worker_id
    # the dead worker's result, written late with its old claim, changes nothing
    late = core.pipeline._store_done  # the pipeline's own compare-and-set write
    stale = Photo.get_by_id(dead.id)
    stale.status, stale.attempts, stale.room_type = "DONE", 1, "garage"
    assert late(stale) is False
    assert Photo.get_by_id(dead.id).room_type != "garage"
    done = [
        p["id"]
        for e in journal.events_after(batch_id, 0)
        if e.type == "photo.done"
        for p in e.payload["photos"]
    ]
    assert sorted(done) == sorted(p.id for p in photos)  # each photo done exactly once


def test_what_redis_lost_is_queued_again_from_the_database(team_core, tmp_path, redis_server):
    core = team_core
    batch_id = core.create_batch(make_photos(tmp_path / "drop", 4)).batch_id
    assert core.queue.queued_ids() == {p.id for p in Photo.select().where(Photo.batch == batch_id)}
    redis_server.restart()  # no persistence: the queue is gone
    assert core.queue.queued_ids() == set()
    steady = [100.0]  # the sweeper's own steady clock, moved by hand (no waiting)
    core.leases.monotonic = lambda: steady[0]
    assert core.leases.sweep() == (0, 0)  # seen in no queue: a lease's grace first
    steady[0] += 1.0
    assert core.leases.sweep() == (0, 0)
    steady[0] += 1.5  # 2.5 s in no queue, more than the 2 s lease
    assert core.leases.sweep() == (0, 4)
    assert len(core.queue.queued_ids()) == 4
    core.queue.start(2)
    snap = wait_until_final(core, batch_id)
    assert snap["counts"]["completed"] == 4
    assert {p["attempts"] for p in snap["photos"]} == {1}


def test_the_dashboard_counts_every_machines_workers(tmp_path, postgres_url, redis_url):
    """A server with no worker of its own shows the team's: threads registered by the
    worker processes, and the photo another machine is processing now."""
    base = dict(
        analyzer="names",
        database_url=postgres_url,
        queue_url=redis_url,
        store_dir=tmp_path / "shared",
        lease_seconds=2.0,
    )
    worker = Core(Settings(data_dir=tmp_path / "worker", workers=3, **base))
    worker.start()
    try:
        board = worker.queue_dashboard()
        assert board["workers"]["count"] == 3 and board["workers"]["busy"] == []
        batch_id = worker.create_batch(make_photos(tmp_path / "drop", 2)).batch_id
        wait_until_final(worker, batch_id)
        photo = Photo.select().where(Photo.batch == batch_id).get()
        Photo.update(status=PROCESSING, worker="far:9:abc", lease_until=time.time() + 60).where(
            Photo.id == photo.id
        ).execute()
        (busy,) = worker.queue_dashboard()["workers"]["busy"]
        assert busy["worker"] == "far:9:abc" and busy["photoId"] == photo.id
        assert busy["fileName"] == photo.file_name and busy["stage"] == "remote"
    finally:
        worker.stop(timeout=30)
    with psycopg.connect(postgres_url) as raw:  # a stopped worker is no longer counted
        assert raw.execute("SELECT count(*) FROM team_worker").fetchone()[0] == 0


def test_resuming_a_batch_leaves_other_machines_photos_alone(team_core, tmp_path):
    """A server (no worker of its own) resumes a batch while a worker elsewhere holds one
    of its photos: that photo stays theirs; only the waiting ones are queued again."""
    core = team_core
    batch_id = core.create_batch(make_photos(tmp_path / "drop", 3)).batch_id
    held, *waiting = [p.id for p in Photo.select().where(Photo.batch == batch_id)]
    Photo.update(
        status=PROCESSING, attempts=1, worker="far:1:live", lease_until=time.time() + 600
    ).where(Photo.id == held).execute()
    core.queue_control.pause(batch_id)
    core.queue.huey.storage.flush_queue()  # the paused batch's tasks were used up…
    core.queue.push([waiting[0]])  # …but one: it keeps its task, and gets no second
    core.queue_control.resume(batch_id)
    row = Photo.get_by_id(held)
    assert (row.status, row.worker, row.attempts) == (PROCESSING, "far:1:live", 1)
    assert core.queue.queued_ids() == set(waiting)
    assert core.queue.pending_count() == len(waiting)  # one task each
