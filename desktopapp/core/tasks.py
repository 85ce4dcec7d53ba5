"""The queue: Huey on our own SQLite database, its consumer embedded as threads.

Huey's task table lives in the same database as the photos (huey's `SqlStorage`
on our peewee connection), so a batch's rows, journal events and queued tasks
commit together. A queued task is only a wake-up call: Huey deletes a task
before running it, so `recover()` re-queues unfinished photos at start-up,
before the consumer runs, and the task itself is idempotent.

A team (`redis_url`) queues on Redis instead (huey's priority Redis storage, a blocking
pop, so an idle worker on another machine starts at once). A task then cannot commit
with the rows: it is pushed after COMMIT, and a push that fails (Redis down) or a queue
Redis lost (a restart) leaves PENDING photos with no task, which `core.leases` queues
again from the database. Duplicate tasks are harmless: the claim is compare-and-set.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from huey import Huey
from huey.consumer import Consumer, Worker
from huey.contrib.sql_huey import SqlStorage
from huey.storage import PriorityRedisStorage
from peewee import SqliteDatabase

from desktopapp.core.db import ERROR, PENDING, PROCESSING, Batch, Photo
from desktopapp.core.events import EventBus
from desktopapp.core.failures import PERMANENT_ERRORS
from desktopapp.core.journal import WriteTransaction
from desktopapp.platform.thread_priority import lower_current_thread_priority

log = logging.getLogger(__name__)

# Every enqueue path calls wake(), so idle workers start at once; polling the queue is
# only a safety net, kept slow so an idle app does not keep touching the disk.
IDLE_POLL_MAX = 2.0


class WakeSignal:
    """notify() ends every worker's idle wait, including one about to start waiting."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._generation = 0

    def generation(self) -> int:
        with self._cond:
            return self._generation

    def notify(self) -> None:
        with self._cond:
            self._generation += 1
            self._cond.notify_all()

    def wait(self, seen: int, timeout: float) -> bool:
        """Wait until a notify() later than generation `seen`; True if there was one."""
        with self._cond:
            return self._cond.wait_for(lambda: self._generation != seen, timeout)


class _WakeableWorker(Worker):
    """A Huey worker whose idle back-off ends as soon as `PhotoQueue.wake()` is called."""

    def __init__(self, *args: object, wake: WakeSignal, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._wake = wake
        self._seen = wake.generation()

    def initialize(self) -> None:  # on the worker thread, before its first task
        lower_current_thread_priority()

    def loop(self, now: object = None) -> None:
        self._seen = self._wake.generation()  # before looking at the queue: no lost wake-up
        super().loop(now)

    def sleep(self) -> None:
        self.delay = min(self.delay, self.max_delay)
        woken = self._wake.wait(self._seen, self.delay)
        self.delay = self.default_delay if woken else self.delay * self.backoff


class _EmbeddedConsumer(Consumer):
    """Huey's consumer, minus what belongs to the host process (its signal handlers)."""

    def __init__(self, huey: Huey, wake: WakeSignal, **options: object) -> None:
        self._wake = wake
        super().__init__(huey, **options)

    def _set_signal_handlers(self) -> None:
        pass

    def _create_worker(self) -> Worker:
        return _WakeableWorker(
            huey=self.huey,
            stop_flag=self.stop_flag,
            default_delay=self.default_delay,
            max_delay=self.max_delay,
            backoff=self.backoff,
            max_tasks=self.max_tasks,
            wake=self._wake,
        )


class _PhotoHuey(Huey):
    """Huey without task revocation, which PhotoLot never uses (a photo's row says whether
    it still needs work): no key-value lookups for revoke flags around every task."""

    def is_revoked(self, task: object, timestamp: object = None, peek: bool = True) -> bool:
        return False

    def delete(self, key: str) -> bool:
        if key.startswith("r:"):  # a task's revoke flag: there never is one
            return False
        return super().delete(key)


class PhotoQueue:
    """One Huey task per photo, behind a small interface (enqueue, wake, start, stop)."""

    def __init__(
        self,
        db: SqliteDatabase,
        run_photo: Callable[[int], object],
        redis_url: str | None = None,
    ) -> None:
        self.shared = redis_url is not None  # a team's queue on Redis, not in the database
        if redis_url is not None:
            self.huey = _PhotoHuey(
                name="photolot",
                storage_class=PriorityRedisStorage,
                url=redis_url,
                blocking=True,
                read_timeout=1,
                results=False,
                utc=True,
            )
        else:
            self.huey = _PhotoHuey(
                name="photolot", storage_class=SqlStorage, database=db, results=False, utc=True
            )
        self._run_photo = run_photo
        self._task = self.huey.task(name="process_photo")(self._run)
        self._wake = WakeSignal()
        self._consumer: _EmbeddedConsumer | None = None
        self._timers: set[threading.Timer] = set()
        self._timers_lock = threading.Lock()
        # Which photos this process will still run (queued or scheduled) or runs now: a
        # PENDING or PROCESSING photo outside both lost its task (a write that failed on a
        # full disk after Huey took it) and `requeue_lost` queues it again.
        self._busy_lock = threading.Lock()
        self._waiting: dict[int, int] = {}  # photo id → tasks queued for it
        self._running: set[int] = set()

    def _run(self, photo_id: int) -> object:
        self._unnote_waiting([photo_id])
        with self._busy_lock:
            self._running.add(photo_id)
        try:
            return self._run_photo(photo_id)
        finally:
            with self._busy_lock:
                self._running.discard(photo_id)

    def _note_waiting(self, photo_ids: list[int]) -> None:
        with self._busy_lock:
            for photo_id in photo_ids:
                self._waiting[photo_id] = self._waiting.get(photo_id, 0) + 1

    def _unnote_waiting(self, photo_ids: list[int]) -> None:
        """The tasks were never stored (their transaction rolled back)."""
        with self._busy_lock:
            for photo_id in photo_ids:
                left = self._waiting.get(photo_id, 0) - 1
                if left > 0:
                    self._waiting[photo_id] = left
                else:
                    self._waiting.pop(photo_id, None)

    def running_ids(self) -> set[int]:
        with self._busy_lock:
            return set(self._running)

    def busy_ids(self) -> set[int]:
        """Photos with a task queued or scheduled, or running now, in this process."""
        with self._busy_lock:
            return set(self._waiting) | self._running

    def enqueue(self, photo_id: int) -> None:
        """Queue a photo now (its own transaction)."""
        if self.shared:
            self.push([photo_id])
            return
        self._note_waiting([photo_id])
        try:
            self._task(photo_id)
        except BaseException:
            self._unnote_waiting([photo_id])
            raise

    def enqueue_many(self, photo_ids: list[int], tx: WriteTransaction, priority: int = 0) -> None:
        """Queue many photos in one statement (intake, recovery); the tasks commit with
        `tx`, and are forgotten here if it rolls back (a full disk). Huey takes the highest
        `priority` first (a batch moved to the front), then the oldest."""
        if self.shared:  # Redis: after COMMIT (a worker must find the rows it is sent to)
            tx.after_commit(lambda: self.push(photo_ids, priority))
            return
        self._note_waiting(photo_ids)
        tx.on_rollback(lambda: self._unnote_waiting(photo_ids))
        storage = self.huey.storage
        serialize = self.huey.serialize_task
        storage.database.cursor().executemany(
            f"INSERT INTO {storage.Task._meta.table_name} (queue, data, priority) VALUES (?, ?, ?)",
            [(storage.name, serialize(self._task.s(photo_id)), priority) for photo_id in photo_ids],
        )

    def push(self, photo_ids: list[int], priority: int = 0) -> int:
        """Send tasks to the shared queue now; how many went. A failure is logged, not
        raised: the rows are committed, and `core.leases` queues the photos again."""
        sent = 0
        try:
            for photo_id in photo_ids:
                task = self._task.s(photo_id)
                task.priority = priority
                self.huey.enqueue(task)
                sent += 1
        except Exception as exc:  # Redis down: the database still knows what to do
            log.warning(
                "%d photo(s) could not be queued (%s); they will be queued again",
                len(photo_ids) - sent,
                exc,
            )
        return sent

    def queued_ids(self) -> set[int]:
        """The photo ids in the shared queue now (Redis), for finding lost ones."""
        ids = set()
        for data in self.huey.storage.enqueued_items():
            try:
                ids.add(int(self.huey.deserialize_task(data).args[0]))
            except Exception:  # not one of ours
                continue
        return ids

    def schedule(self, photo_id: int, delay: float) -> None:
        """Queue a photo again after `delay` seconds (a retry).

        A timer, not Huey's schedule table, so no thread polls it; if the app stops first,
        the photo is PENDING in the database and `recover()` queues it at the next start.
        """

        def fire() -> None:
            with self._timers_lock:
                self._timers.discard(timer)
            if self.running:
                self.enqueue(photo_id)
                self.wake()
            self._unnote_waiting([photo_id])  # the scheduled retry's own mark (see below)

        self._note_waiting([photo_id])  # waiting for its timer: not lost
        timer = threading.Timer(delay, fire)
        timer.daemon = True
        with self._timers_lock:
            self._timers.add(timer)
        timer.start()

    def cancel_timers(self) -> None:
        with self._timers_lock:
            timers, self._timers = self._timers, set()
        for timer in timers:
            timer.cancel()

    def wake(self) -> None:
        self._wake.notify()

    def pending_count(self) -> int:
        return self.huey.pending_count()

    def flush(self) -> None:
        if self.shared:
            raise RuntimeError("a team's shared queue is never flushed by one process")
        self.huey.storage.flush_queue()
        self.huey.storage.flush_schedule()
        with self._busy_lock:
            self._waiting.clear()

    @property
    def running(self) -> bool:
        return self._consumer is not None

    def start(self, workers: int) -> None:
        if self._consumer is not None:
            return
        self._consumer = _EmbeddedConsumer(
            self.huey,
            self._wake,
            workers=workers,
            worker_type="thread",
            periodic=False,
            initial_delay=0.02,
            backoff=1.5,
            # Redis: the pop itself waits (1 s) for a task; between two, barely a pause
            max_delay=0.05 if self.shared else IDLE_POLL_MAX,
            scheduler_interval=60,  # nothing is scheduled through Huey (see schedule())
            check_worker_health=False,
        )
        self._consumer.start()

    def stop(self, timeout: float = 5.0) -> bool:
        """Let running photos finish (up to `timeout`); returns False if some did not.

        A photo still running after the timeout stays PROCESSING in the database
        and is re-queued by `recover()` at the next start.
        """
        consumer, self._consumer = self._consumer, None
        if consumer is None:
            return True
        consumer.shutdown_timeout = timeout
        consumer.stop_flag.set()
        self.wake()
        return consumer._join_workers()


def recover(db: SqliteDatabase, bus: EventBus | None, queue: PhotoQueue) -> int:
    """Before the consumer starts: re-queue every PENDING or PROCESSING photo, once."""
    with WriteTransaction(db, bus) as tx:
        queue.flush()
        interrupted = list(Photo.select().where(Photo.status == PROCESSING))
        by_batch: dict[int, list[Photo]] = {}
        for photo in interrupted:
            photo.status = PENDING
            photo.save()
            by_batch.setdefault(photo.batch_id, []).append(photo)
        for batch_id, photos in by_batch.items():
            tx.record_progress(batch_id, "photo.requeued", photos)
        pending = list(  # a paused batch's photos wait for its resume, without a task
            Photo.select(Photo.id, Batch.priority)
            .join(Batch)
            .where((Photo.status == PENDING) & (Batch.paused == 0))
            .order_by(Batch.priority.desc(), Photo.id)
            .tuples()
        )
        _enqueue_by_priority(queue, tx, pending)
    if interrupted:
        log.info("re-queued %d interrupted photo(s)", len(interrupted))
    return len(pending)


def _enqueue_by_priority(
    queue: PhotoQueue, tx: WriteTransaction, photos: list[tuple[int, int]]
) -> None:
    """Queue (photo id, its batch's priority) pairs: a batch moved to the front keeps its
    place when its photos are queued again (a restart, a resume)."""
    by_priority: dict[int, list[int]] = {}
    for photo_id, priority in photos:
        by_priority.setdefault(priority, []).append(photo_id)
    for priority, photo_ids in sorted(by_priority.items(), reverse=True):
        queue.enqueue_many(photo_ids, tx, priority=priority)


def requeue_lost(
    db: SqliteDatabase, bus: EventBus | None, queue: PhotoQueue, batch_id: int | None = None
) -> int:
    """Queue again the photos that lost their task while PhotoLot runs: PENDING or
    PROCESSING, yet neither queued, scheduled nor running here (a claim or a result that
    could not be written on a full disk, after Huey had taken the task). Runs every
    `RECOVERY_INTERVAL` seconds in the app and before a retry; a no-op when none are lost.

    A team (`queue.shared`): other machines run photos now, so a PROCESSING photo is theirs
    (core.leases takes back a dead worker's); only the PENDING ones no longer in the queue
    are pushed again (a paused batch's, whose tasks were used up while it was paused)."""
    if queue.shared:
        return _push_pending(queue, batch_id)
    with WriteTransaction(db, bus) as tx:
        busy = queue.busy_ids()
        query = (
            Photo.select(Photo)
            .join(Batch)
            .where(Photo.status.in_((PENDING, PROCESSING)) & (Batch.paused == 0))
        )
        if batch_id is not None:
            query = query.where(Photo.batch == batch_id)
        lost = [photo for photo in query.order_by(Photo.id) if photo.id not in busy]
        by_batch: dict[int, list[Photo]] = {}
        for photo in lost:
            if photo.status == PROCESSING:
                photo.status = PENDING
                photo.save()
                by_batch.setdefault(photo.batch_id, []).append(photo)
        for changed_batch, photos in by_batch.items():
            tx.record_progress(changed_batch, "photo.requeued", photos)
        if lost:
            priorities = {
                batch_id: priority
                for batch_id, priority in Batch.select(Batch.id, Batch.priority)
                .where(Batch.id.in_({photo.batch_id for photo in lost}))
                .tuples()
            }
            _enqueue_by_priority(
                queue, tx, [(photo.id, priorities.get(photo.batch_id, 0)) for photo in lost]
            )
            tx.after_commit(queue.wake)
    if lost:
        log.info("queued again %d photo(s) that had lost their task", len(lost))
    return len(lost)


def _push_pending(queue: PhotoQueue, batch_id: int | None) -> int:
    query = (
        Photo.select(Photo.id, Batch.priority)
        .join(Batch)
        .where((Photo.status == PENDING) & (Batch.paused == 0))
    )
    if batch_id is not None:
        query = query.where(Photo.batch == batch_id)
    rows = list(query.order_by(Photo.id).tuples())
    queued = queue.queued_ids() if rows else set()  # still in the queue: no second task
    by_priority: dict[int, list[int]] = {}
    for photo_id, priority in rows:
        if photo_id not in queued:
            by_priority.setdefault(priority, []).append(photo_id)
    return sum(
        queue.push(ids, priority) for priority, ids in sorted(by_priority.items(), reverse=True)
    )


@dataclass(frozen=True)
class RetryResult:
    requeued: int
    not_retried: list[dict[str, str]]  # [{"fileName", "errorCode", "errorMessage"}]


def retry_failed(
    db: SqliteDatabase, bus: EventBus | None, queue: PhotoQueue, batch_id: int
) -> RetryResult:
    """Move the batch's retryable ERROR photos back to PENDING (journaled) and queue them
    again; the others (PERMANENT_ERRORS) stay as they are, and are listed. Photos of the
    batch that lost their task (a full disk) are queued again too."""
    lost = requeue_lost(db, bus, queue, batch_id)
    with WriteTransaction(db, bus) as tx:
        failed = list(
            Photo.select()
            .where((Photo.batch == batch_id) & (Photo.status == ERROR))
            .order_by(Photo.position)
        )
        retried = [photo for photo in failed if photo.error_code not in PERMANENT_ERRORS]
        kept = [
            {
                "fileName": photo.file_name,
                "errorCode": photo.error_code,
                "errorMessage": photo.error_message,
            }
            for photo in failed
            if photo.error_code in PERMANENT_ERRORS
        ]
        for photo in retried:
            photo.status = PENDING
            photo.attempts = 0
            photo.error_code = photo.error_message = None
            photo.save()
        queue.enqueue_many([photo.id for photo in retried], tx)
        if retried:
            tx.record_progress(batch_id, "photo.requeued", retried)
            tx.after_commit(queue.wake)
    return RetryResult(len(retried) + lost, kept)
