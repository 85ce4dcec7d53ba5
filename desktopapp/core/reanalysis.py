"""Analyse finished photos again: after the vision model was down or answered nonsense.

    reanalysis = Reanalysis(db, bus, queue, catalogue)
    reanalysis.reanalyse(batch_id, photo_ids=[12, 13])      # these photos
    reanalysis.reanalyse(batch_id, model_notices=True)      # those the model missed

A DONE photo goes back to PENDING (journaled `photo.requeued`: every stream sees it queued,
the batch running again) and is queued with its batch's priority; the pipeline reads it
from the store this time (an upload's copy is gone, the original may have moved) and
writes its new result as for any photo (`photo.done`, then the batch completes again).
Photos that are not DONE (queued, running, failed, cancelled) are skipped, each with why;
when none is left, `NothingToReanalyse`.

The user's corrections are rows of their own, replayed over the pipeline's result at read
time (`state.batch_view`): they stay and apply to the new result. A `photo.item` sets a
label's count whatever was found; a `photo.relabel` whose label the new result lacks
changes nothing. A paused batch keeps its photos waiting until it resumes (the answer says
`paused`); a pause flag left on a batch that had finished holds nothing back and is
cleared. A cancelled batch's DONE photos can be analysed again; its cancelled ones cannot,
and the batch is CANCELLED again afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from peewee import SqliteDatabase

from desktopapp.core import progress, state
from desktopapp.core.db import CANCELLED, DONE, ERROR, PENDING, PROCESSING, Batch, Photo
from desktopapp.core.events import EventBus
from desktopapp.core.journal import WriteTransaction
from desktopapp.core.tasks import PhotoQueue
from desktopapp.inventory.catalogue import Catalogue

# The notices the vision analyzer leaves on a photo it could not complete
# (desktopapp.inventory.vision.analyzer: MODEL_UNAVAILABLE, MODEL_BAD_ANSWER).
MODEL_NOTICES = ("model_unavailable", "model_bad_answer")
MAX_PHOTOS = 10_000

# why a photo was skipped, by its status
_SKIPPED = {
    PENDING: ("queued", "It is waiting to be analysed already."),
    PROCESSING: ("running", "It is being analysed now."),
    ERROR: ("failed", "It failed: retry the failed photos instead."),
    CANCELLED: ("cancelled", "Its batch was cancelled before its turn."),
}


class ReanalysisError(ValueError):
    """A request that names photos of another batch; nothing was changed."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class NothingToReanalyse(LookupError):
    """None of the photos asked for can be analysed again; `skipped` says why."""

    def __init__(self, message: str, skipped: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.message = message
        self.skipped = skipped


@dataclass(frozen=True)
class ReanalysisResult:
    requeued: list[int]  # photo ids, now queued
    skipped: list[dict[str, Any]] = field(default_factory=list)  # {photoId, fileName, ...}
    paused: bool = False  # the batch is paused: they wait for its resume

    def as_json(self) -> dict[str, Any]:
        return {"requeued": self.requeued, "skipped": self.skipped, "paused": self.paused}


def has_model_notice(flags: Iterable[str] | None) -> bool:
    return any(flag in MODEL_NOTICES for flag in flags or ())


class Reanalysis:
    def __init__(
        self,
        db: SqliteDatabase,
        bus: EventBus | None,
        queue: PhotoQueue,
        catalogue: Catalogue | None = None,
    ) -> None:
        self._db = db
        self._bus = bus
        self._queue = queue
        self._catalogue = catalogue

    def reanalyse(
        self,
        batch_id: int,
        photo_ids: Iterable[int] | None = None,
        *,
        model_notices: bool = False,
    ) -> ReanalysisResult:
        """Queue again the batch's DONE photos among `photo_ids` (or, with `model_notices`,
        every DONE photo of it carrying a model notice). Raises state.BatchNotFound,
        ReanalysisError (a photo of another batch), NothingToReanalyse."""
        wanted = None if photo_ids is None else sorted(set(photo_ids))
        with WriteTransaction(self._db, self._bus) as tx:
            tx.lock_batch(batch_id)  # a team: another process may change it now
            batch = state.get_batch(batch_id)
            photos = self._photos(batch_id, wanted, model_notices)
            chosen = [photo for photo in photos if photo.status == DONE]
            skipped = [_skipped(photo) for photo in photos if photo.status != DONE]
            if not chosen:
                raise NothingToReanalyse(_nothing_message(wanted, model_notices), skipped)
            counts = state.batch_counts(batch_id)
            paused = bool(batch.paused)
            if paused and progress.is_final(progress.batch_status(counts)):
                # paused while its last photos ran: the flag holds nothing back any more
                Batch.update(paused=0).where(Batch.id == batch_id).execute()
                paused = False
            for photo in chosen:
                photo.status = PENDING
                photo.attempts = 0
                photo.error_code = photo.error_message = None
                photo.save()
            tx.record_progress(batch_id, "photo.requeued", chosen, self._catalogue)
            self._queue.enqueue_many([photo.id for photo in chosen], tx, priority=batch.priority)
            tx.after_commit(self._queue.wake)
        return ReanalysisResult([photo.id for photo in chosen], skipped, paused)

    @staticmethod
    def _photos(batch_id: int, wanted: list[int] | None, model_notices: bool) -> list[Photo]:
        query = Photo.select().where(Photo.batch == batch_id)
        if wanted is not None:
            query = query.where(Photo.id.in_(wanted))
        photos = list(query.order_by(Photo.position))
        if wanted is not None:
            missing = sorted(set(wanted) - {photo.id for photo in photos})
            if missing:
                raise ReanalysisError(
                    "photo_not_in_batch", f"Photo {missing[0]} is not in batch {batch_id}."
                )
        if model_notices:
            photos = [photo for photo in photos if has_model_notice(photo.flags)]
        return photos


def _skipped(photo: Photo) -> dict[str, Any]:
    reason, message = _SKIPPED.get(photo.status, ("not_done", "It is not finished."))
    return {
        "photoId": photo.id,
        "fileName": photo.file_name,
        "status": photo.status,
        "reason": reason,
        "message": message,
    }


def _nothing_message(wanted: list[int] | None, model_notices: bool) -> str:
    if model_notices and wanted is None:
        return "No finished photo of this batch is waiting for the model."
    return "None of these photos can be analysed again: only finished photos can."
