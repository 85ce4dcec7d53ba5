"""The mover's review, written: corrections, undo, redo and deleting a batch.

    review = Review(db, bus, catalogue, paths)
    review.correct(batch_id, "room.rename", {"room": {...}, "name": "Salon bleu"})
    review.undo(batch_id); review.redo(batch_id)
    review.delete_batch(batch_id)

Each change is one `correction` row (or one flag flip) and one journal event, in one
transaction: the event carries the photos whose corrected view changed, the corrected
inventory and the review state, so every client (window, pages, CLI) shows it at once.
A new correction forgets what was undone (the usual undo stack).
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from pathlib import Path
from typing import Any

from peewee import SqliteDatabase

from desktopapp.core import progress, state
from desktopapp.core.db import DONE, Photo
from desktopapp.core.events import EventBus
from desktopapp.core.journal import WriteTransaction
from desktopapp.inventory import corrections
from desktopapp.inventory.catalogue import Catalogue
from desktopapp.inventory.corrections import CorrectionError
from desktopapp.platform.paths import DataPaths

__all__ = ["CorrectionError", "NothingToUndo", "Review"]

log = logging.getLogger(__name__)

_INSERT_SQL = (
    "INSERT INTO correction (batch_id, kind, data, undone, created_at) VALUES (?, ?, ?, 0, ?)"
)
_FORGET_UNDONE_SQL = "DELETE FROM correction WHERE batch_id = ? AND undone = 1"
_SET_UNDONE_SQL = "UPDATE correction SET undone = ? WHERE id = ?"


class NothingToUndo(LookupError):
    pass


class Review:
    def __init__(
        self,
        db: SqliteDatabase,
        bus: EventBus | None,
        catalogue: Catalogue,
        paths: DataPaths,
    ) -> None:
        self._db = db
        self._bus = bus
        self._catalogue = catalogue
        self._paths = paths

    # -- corrections -------------------------------------------------------------------
    def correct(self, batch_id: int, kind: str, raw: Any) -> dict[str, Any]:
        """Check and record one correction; returns the batch's new review state. Raises
        state.BatchNotFound, or CorrectionError (nothing stored)."""
        data = corrections.parse(kind, raw, self._catalogue)
        with WriteTransaction(self._db, self._bus) as tx:
            tx.lock_batch(batch_id)  # concurrent corrections: one after the other
            before = state.batch_view(batch_id)
            self._check_targets(before, kind, data)
            self._db.execute_sql(_FORGET_UNDONE_SQL, (batch_id,))
            self._db.execute_sql(_INSERT_SQL, (batch_id, kind, json.dumps(data), time.time()))
            return self._record(tx, batch_id, before, "correction")

    def undo(self, batch_id: int) -> dict[str, Any]:
        """Undo the newest correction still holding; raises NothingToUndo."""
        with WriteTransaction(self._db, self._bus) as tx:
            tx.lock_batch(batch_id)  # concurrent corrections: one after the other
            before = state.batch_view(batch_id)
            if not before.done:
                raise NothingToUndo("There is nothing to undo in this batch.")
            self._db.execute_sql(_SET_UNDONE_SQL, (1, before.done[-1].id))
            return self._record(tx, batch_id, before, "correction.undo")

    def redo(self, batch_id: int) -> dict[str, Any]:
        """Redo the oldest undone correction; raises NothingToUndo."""
        with WriteTransaction(self._db, self._bus) as tx:
            tx.lock_batch(batch_id)  # concurrent corrections: one after the other
            before = state.batch_view(batch_id)
            if not before.undone:
                raise NothingToUndo("There is nothing to redo in this batch.")
            self._db.execute_sql(_SET_UNDONE_SQL, (0, before.undone[0].id))
            return self._record(tx, batch_id, before, "correction.redo")

    def _record(
        self, tx: WriteTransaction, batch_id: int, before: state.BatchView, event_type: str
    ) -> dict[str, Any]:
        after = state.batch_view(batch_id, before.batch)
        old = {photo.id: progress.photo_payload(photo) for photo in before.photos}
        changed = [
            payload
            for payload in (progress.photo_payload(photo) for photo in after.photos)
            if old.get(payload["id"]) != payload
        ]
        counts = state.batch_counts(batch_id)
        payload = progress.progress_payload(batch_id, counts, changed)
        payload["inventorySummary"] = after.summary(self._catalogue)
        payload["review"] = after.review()
        tx.record(batch_id, event_type, payload)
        return {"review": payload["review"], "inventorySummary": payload["inventorySummary"]}

    def _check_targets(self, view: state.BatchView, kind: str, data: dict[str, Any]) -> None:
        photos = {photo.id: photo for photo in view.photos}
        for photo_id in corrections.photos_named(kind, data):
            if photo_id not in photos:
                raise CorrectionError(
                    "photo_not_in_batch", f"Photo {photo_id} is not in batch {view.batch.id}."
                )
        if kind in ("photo.item", "photo.relabel"):
            photo = photos[data["photoId"]]
            if photo.status != DONE:
                raise CorrectionError(
                    "photo_not_analysed",
                    "This photo has not been analysed yet (or could not be read): its items "
                    "can be changed once it is done.",
                )
            if kind == "photo.relabel" and all(
                item.get("label") != data["label"] for item in photo.items
            ):
                raise CorrectionError(
                    "item_not_in_photo", f"This photo shows no {data['label']!r} to relabel."
                )
        if "room" in data:
            summary = view.summary(self._catalogue)
            rooms = {(room["roomType"], room["roomName"]): room for room in summary["rooms"]}
            key = (data["room"]["roomType"], data["room"].get("roomName"))
            if key not in rooms:
                raise CorrectionError(
                    "room_not_found", "This batch has no such room (it may have been renamed)."
                )
            if kind == "room.flags" and all(
                line["label"] != data["label"] for line in rooms[key]["items"]
            ):
                raise CorrectionError(
                    "item_not_in_room", "This room has no such item: add it first."
                )

    # -- deleting a batch --------------------------------------------------------------
    def delete_batch(self, batch_id: int) -> dict[str, int]:
        """Delete the batch, its journal and corrections; then its stored photos, thumbnails
        and previews that no other batch uses. Streams on it end with `batch_not_found`."""
        with self._db.atomic("IMMEDIATE"):
            state.get_batch(batch_id)
            rows = list(
                Photo.select(Photo.sha256, Photo.source_path)
                .where(Photo.batch == batch_id)
                .tuples()
            )
            photos = len(rows)
            hashes = {sha for sha, _source in rows if sha}
            self._db.execute_sql("DELETE FROM batch WHERE id = ?", (batch_id,))
            still_used = set()
            if hashes:
                marks = ",".join("?" * len(hashes))
                found = self._db.execute_sql(
                    f"SELECT DISTINCT sha256 FROM photo WHERE sha256 IN ({marks})", tuple(hashes)
                ).fetchall()
                still_used = {sha for (sha,) in found}
        removed = self._remove_files(hashes - still_used, [source for _sha, source in rows])
        if self._bus is not None:
            self._bus.publish(batch_id, 0)  # its followers look, and find it gone
        return {"photos": photos, "filesRemoved": removed}

    def _remove_files(self, hashes: set[str], sources: list[str]) -> int:
        paths = self._paths
        removed = 0
        for sha in hashes:
            targets = [paths.store / sha, paths.thumb_path(sha), *paths.previews.glob(f"{sha}-*")]
            for target in targets:
                try:
                    target.unlink()
                    removed += 1
                except FileNotFoundError:
                    pass
                except OSError:
                    log.warning("could not remove %s", target, exc_info=True)
        uploads = paths.uploads
        for source in map(Path, sources):  # browser uploads not processed yet: our copies
            if source.is_relative_to(uploads):
                source.unlink(missing_ok=True)
                with contextlib.suppress(OSError):  # only when empty
                    source.parent.rmdir()
        return removed
