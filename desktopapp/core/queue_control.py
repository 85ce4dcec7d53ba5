"""Pause, resume, cancel a batch, and move it to the front of the queue.

Huey has no pause: the database decides. A paused batch's flag stops the claim
(pipeline's `_CLAIM_SQL`), so a worker that takes one of its tasks leaves the photo
PENDING and the task is used up; photos already running finish. Resume clears the flag
and queues the batch's PENDING photos again (`tasks.requeue_lost`); the start-up recovery
and the periodic one leave a paused batch alone, so it stays paused across a restart,
kill -9 included. Cancel turns the queued photos into CANCELLED: the batch is final.
Moving to the front queues the batch's waiting photos again with a higher Huey priority
(their old tasks find them claimed and do nothing). Each change is journaled: every client
sees it at once.
"""

from __future__ import annotations

from peewee import SqliteDatabase, fn

from desktopapp.core import progress, state
from desktopapp.core.db import CANCELLED, PENDING, Batch, Photo
from desktopapp.core.events import EventBus
from desktopapp.core.journal import WriteTransaction
from desktopapp.core.tasks import PhotoQueue, requeue_lost


class BatchIsFinal(ValueError):
    """The batch has ended: there is nothing to pause, resume or cancel."""


class QueueControl:
    def __init__(self, db: SqliteDatabase, bus: EventBus | None, queue: PhotoQueue) -> None:
        self._db = db
        self._bus = bus
        self._queue = queue

    def pause(self, batch_id: int) -> str:
        """Pause (idempotent); returns the batch's status. Raises BatchIsFinal."""
        with WriteTransaction(self._db, self._bus) as tx:
            tx.lock_batch(batch_id)  # a team: another process may change it now
            batch = self._unfinished(batch_id, "paused")
            if not batch.paused:
                Batch.update(paused=1).where(Batch.id == batch_id).execute()
                tx.record_progress(batch_id, "batch.paused", [])
            return progress.batch_status(state.batch_counts(batch_id))

    def resume(self, batch_id: int) -> str:
        """Resume (idempotent); its waiting photos are queued again. Raises BatchIsFinal."""
        with WriteTransaction(self._db, self._bus) as tx:
            tx.lock_batch(batch_id)  # a team: another process may change it now
            batch = self._unfinished(batch_id, "resumed")
            if batch.paused:
                Batch.update(paused=0).where(Batch.id == batch_id).execute()
                tx.record_progress(batch_id, "batch.resumed", [])
                if batch.priority > 0:  # moved to the front while paused: its place now
                    self._queue_waiting(tx, batch_id, batch.priority)
        requeue_lost(self._db, self._bus, self._queue, batch_id)
        return progress.batch_status(state.batch_counts(batch_id))

    def cancel(self, batch_id: int) -> int:
        """Cancel the photos still waiting (running ones finish); returns how many. A batch
        already cancelled answers 0; another finished one raises BatchIsFinal."""
        with WriteTransaction(self._db, self._bus) as tx:
            tx.lock_batch(batch_id)  # a team: another process may change it now
            counts = state.batch_counts(batch_id)
            if progress.batch_status(counts) == progress.BATCH_CANCELLED:
                return 0
            self._unfinished(batch_id, "cancelled")
            waiting = list(
                Photo.select().where((Photo.batch == batch_id) & (Photo.status == PENDING))
            )
            for photo in waiting:
                photo.status = CANCELLED
                photo.error_code = photo.error_message = None
                photo.save()
            Batch.update(paused=0).where(Batch.id == batch_id).execute()
            tx.record_progress(batch_id, "batch.cancelled", waiting)
            return len(waiting)

    def move_to_front(self, batch_id: int) -> int:
        """Its waiting photos go before every other batch's; returns the new priority."""
        with WriteTransaction(self._db, self._bus) as tx:
            tx.lock_batch(batch_id)  # a team: another process may change it now
            self._unfinished(batch_id, "moved")
            top = Batch.select(fn.MAX(Batch.priority)).scalar() or 0
            priority = top + 1
            Batch.update(priority=priority).where(Batch.id == batch_id).execute()
            if not Batch.get_by_id(batch_id).paused:  # a paused one: at its resume
                self._queue_waiting(tx, batch_id, priority)
            tx.record_progress(batch_id, "batch.priority", [])
        return priority

    def _queue_waiting(self, tx: WriteTransaction, batch_id: int, priority: int) -> None:
        """Queue the batch's waiting photos again with `priority` (their older tasks, if
        any, will find them claimed and do nothing)."""
        waiting = [
            photo_id
            for (photo_id,) in Photo.select(Photo.id)
            .where((Photo.batch == batch_id) & (Photo.status == PENDING))
            .order_by(Photo.position)
            .tuples()
        ]
        if waiting:
            self._queue.enqueue_many(waiting, tx, priority=priority)
            tx.after_commit(self._queue.wake)

    def _unfinished(self, batch_id: int, doing: str) -> Batch:
        batch = state.get_batch(batch_id)
        if progress.is_final(progress.batch_status(state.batch_counts(batch_id))):
            raise BatchIsFinal(f"Batch {batch_id} has finished: it cannot be {doing}.")
        return batch
