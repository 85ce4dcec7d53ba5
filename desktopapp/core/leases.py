"""A team's crash safety: a claimed photo is leased, and what is lost is queued again.

    leases = Leases(db, bus, queue, worker_id="host:1234:ab12", lease_seconds=30)
    leases.start()        # heartbeat (this worker's leases) + sweep (everyone's), a thread
    leases.stop()

The desktop app re-queues its unfinished photos when it starts (`tasks.recover`): one
process owns them all. A team cannot: other processes on other machines run photos at
the same time, and one of them may be killed mid-photo. So each claim names its worker
and a lease (`pipeline._CLAIM_SQL`), which the worker's heartbeat keeps renewing while
one of its threads works on the photo (not once the thread gave up on it: its result and
its failure could not be written, PostgreSQL being down); every process sweeps, one at
a time (an advisory lock):

- a PROCESSING photo whose lease ran out (its worker died, or lost the database for
  longer than the lease) goes back to PENDING, journaled, and is queued again; the old
  worker's late result is refused (its claim's `attempts` no longer match), so nothing is
  done twice;
- a PENDING photo of a running batch that a sweeper has seen in no queue for a whole
  lease, on its own steady clock (the push after COMMIT failed, or Redis restarted and
  lost its queue), is queued again.

The database is the source of truth; the queue only wakes workers. A duplicate task is
harmless: a photo is claimed by compare-and-set.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterable

from peewee import Database

from desktopapp.core.db import PENDING, PROCESSING, Batch, Photo
from desktopapp.core.db_postgres import database_clock
from desktopapp.core.events import EventBus
from desktopapp.core.journal import WriteTransaction
from desktopapp.core.tasks import PhotoQueue
from desktopapp.platform.thread_priority import lower_current_thread_priority

log = logging.getLogger(__name__)

SWEEP_LOCK = (0x5F8, 1)  # (space, key): one sweeper at a time (not a batch's lock space)

_RENEW_SQL = "UPDATE photo SET lease_until = ? WHERE worker = ? AND status = ?"
_RENEW_SOME_SQL = _RENEW_SQL + " AND id IN ({})"
_REGISTER_SQL = (
    "INSERT INTO team_worker (id, threads, seen_at) VALUES (?, ?, ?) ON CONFLICT (id)"
    " DO UPDATE SET threads = EXCLUDED.threads, seen_at = EXCLUDED.seen_at"
)
_TEAM_THREADS_SQL = "SELECT COALESCE(SUM(threads), 0) FROM team_worker WHERE seen_at > ?"
_TEAM_BUSY_SQL = (
    "SELECT id, batch_id, file_name, worker, updated_at FROM photo WHERE status = ?"
    " ORDER BY worker, id"
)
_EXPIRE_SQL = (
    "UPDATE photo SET status = ?, worker = NULL, lease_until = NULL, updated_at = ?"
    " WHERE id = ? AND status = ? AND lease_until < ?"
)


def new_worker_id() -> str:
    """Unique across machines and restarts: host, process, and a random tail."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class Leases:
    HOUSEKEEPING_EVERY = 60.0  # seconds between `housekeeping` calls (the first at once)
    LOCK_TIMEOUT = "5s"  # a sweep waits no longer for a batch's lock: next round then

    def __init__(
        self,
        db: Database,
        bus: EventBus | None,
        queue: PhotoQueue,
        worker_id: str,
        lease_seconds: float = 30.0,
        housekeeping: Callable[[], object] | None = None,
    ) -> None:
        self.db = db
        self.bus = bus
        self.queue = queue
        self.worker_id = worker_id
        self.lease_seconds = lease_seconds
        self.interval = max(0.2, lease_seconds / 4)  # four renewals per lease
        self.threads = 0  # this process's worker threads (set by Core when it starts them)
        # leases are written and judged on the database's clock, not each machine's
        self.clock: Callable[[], float] = lambda: database_clock(db)
        # how long a PENDING photo has been in no queue: this process's own steady clock
        # (a timestamp written by another machine would carry that machine's skew)
        self.monotonic: Callable[[], float] = time.monotonic
        # the photo ids this process's threads work on now (Core: its pipeline's activity);
        # None: every photo claimed under `worker_id`
        self.running: Callable[[], Iterable[int]] | None = None
        self._housekeeping = housekeeping  # e.g. a crashed copy's temp files in the store
        self._missing_since: dict[int, float] = {}
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        """Two threads: the heartbeat never waits behind a sweep or a slow shared disk."""
        for name, loop in (("heartbeat", self._heartbeat), ("sweeper", self._sweeper)):
            thread = threading.Thread(target=loop, name=f"photolot-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        for thread in self._threads:
            thread.join(timeout)
        try:  # no longer counted by the dashboard (a killed one ages out)
            self.db.execute_sql("DELETE FROM team_worker WHERE id = ?", (self.worker_id,))
        except Exception as exc:
            log.warning("leases: could not say this worker stopped (%s)", exc)

    def _heartbeat(self) -> None:
        self._repeat([self.register, self.renew])

    def _sweeper(self) -> None:
        lower_current_thread_priority()
        self._repeat([self.sweep], housekeeping=self._housekeeping)

    def _repeat(
        self, steps: list[Callable[[], object]], housekeeping: Callable[[], object] | None = None
    ) -> None:
        next_housekeeping = 0.0
        while not self._stopping.wait(self.interval):
            now_steps = list(steps)
            if housekeeping is not None and time.monotonic() >= next_housekeeping:
                now_steps.append(housekeeping)
                next_housekeeping = time.monotonic() + self.HOUSEKEEPING_EVERY
            for step in now_steps:
                try:
                    step()
                except Exception as exc:  # the database or Redis is down: next round
                    log.warning("leases: %s failed (%s)", getattr(step, "__name__", step), exc)

    def register(self) -> None:
        """Tell the team this process runs `threads` workers (the dashboard counts them)."""
        if self.threads > 0:
            self.db.execute_sql(_REGISTER_SQL, (self.worker_id, self.threads, self.clock()))

    def renew(self) -> int:
        """Push forward the leases of the photos this worker runs now; how many.

        Only those (`running`): a photo whose thread gave up, nothing being writable, must
        see its lease run out, or this live worker would keep it PROCESSING forever."""
        until = self.clock() + self.lease_seconds
        if self.running is None:
            return self.db.execute_sql(_RENEW_SQL, (until, self.worker_id, PROCESSING)).rowcount
        running = sorted(set(self.running()))
        if not running:
            return 0
        sql = _RENEW_SOME_SQL.format(", ".join("?" * len(running)))
        return self.db.execute_sql(sql, (until, self.worker_id, PROCESSING, *running)).rowcount

    def sweep(self, now: float | None = None) -> tuple[int, int]:
        """(expired leases taken back, lost photos queued again); (0, 0) while another
        process sweeps. A PENDING photo is lost once this process has seen it in no queue
        for a whole lease, on its own steady clock."""
        now = self.clock() if now is None else now
        with WriteTransaction(self.db, self.bus) as tx:
            # a holder of a batch's lock that hangs must not stop every sweep for good
            self.db.execute_sql(f"SET LOCAL lock_timeout = '{self.LOCK_TIMEOUT}'")
            locked = self.db.execute_sql(
                "SELECT pg_try_advisory_xact_lock(?, ?)", SWEEP_LOCK
            ).fetchone()[0]
            if not locked:
                return 0, 0
            expired = self._take_back_expired(tx, now)
            waiting = dict(
                Photo.select(Photo.id, Batch.priority)
                .join(Batch)
                .where((Photo.status == PENDING) & (Batch.paused == 0))
                .tuples()
            )
        queued = self.queue.queued_ids() if waiting else set()
        seen_at = self.monotonic()
        missing = {
            pid: self._missing_since.get(pid, seen_at) for pid in waiting if pid not in queued
        }
        lost = [pid for pid, since in missing.items() if seen_at - since >= self.lease_seconds]
        for photo_id in lost:
            missing.pop(photo_id)  # queued now: a new wait if it is lost again
        self._missing_since = missing
        pushes = expired + [(pid, waiting[pid]) for pid in lost]
        for photo_id, priority in sorted(pushes, key=lambda pair: -pair[1]):
            self.queue.push([photo_id], priority)
        if expired or lost:
            log.info(
                "leases: %d photo(s) taken back from dead workers, %d lost one(s) queued again",
                len(expired),
                len(lost),
            )
        return len(expired), len(lost)

    def _take_back_expired(self, tx: WriteTransaction, now: float) -> list[tuple[int, int]]:
        candidates = list(
            Photo.select(Photo.id, Photo.batch, Batch.priority)
            .join(Batch)
            .where((Photo.status == PROCESSING) & (Photo.lease_until < now))
            .tuples()
        )
        for batch_id in sorted({batch_id for _, batch_id, _ in candidates}):
            tx.lock_batch(batch_id)  # batch locks before photo rows, as every writer does
        taken: list[tuple[int, int]] = []
        by_batch: dict[int, list[Photo]] = {}
        for photo_id, batch_id, priority in candidates:
            changed = self.db.execute_sql(
                _EXPIRE_SQL, (PENDING, now, photo_id, PROCESSING, now)
            ).rowcount
            if changed == 1:
                taken.append((photo_id, priority))
                by_batch.setdefault(batch_id, []).append(Photo.get_by_id(photo_id))
        for batch_id in sorted(by_batch):
            tx.record_progress(batch_id, "photo.requeued", by_batch[batch_id])
        return taken


def team_workers(db: Database, lease_seconds: float, now: float | None = None) -> dict:
    """The dashboard's workers line for a team: threads of the workers heard from within
    two leases, and what every PROCESSING photo's worker does (any machine)."""
    now = database_clock(db) if now is None else now
    threads = db.execute_sql(_TEAM_THREADS_SQL, (now - 2 * lease_seconds,)).fetchone()[0]
    busy = [
        {
            "worker": worker,
            "photoId": photo_id,
            "batchId": batch_id,
            "fileName": file_name,
            "stage": "remote",  # known only to that worker's process (Core adds its own)
            "seconds": round(max(0.0, now - updated_at), 2),
        }
        for photo_id, batch_id, file_name, worker, updated_at in db.execute_sql(
            _TEAM_BUSY_SQL, (PROCESSING,)
        ).fetchall()
    ]
    return {"count": max(int(threads), len(busy)), "busy": busy}
