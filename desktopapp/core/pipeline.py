"""The per-photo work (DESIGN.md, Worker), run by a queue worker for one photo id.

claim (PENDING → PROCESSING, journaled) → copy into the store while hashing →
decode once → thumbnail → analyze → finish (DONE, or ERROR with a stable code),
each state change journaled in its own transaction. Idempotent: a photo that is
not PENDING when its task runs is left alone, so a duplicate task is harmless.
"""

from __future__ import annotations

import errno
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from peewee import DatabaseError, SqliteDatabase

from desktopapp.core import imaging
from desktopapp.core.activity import Activity, Watch
from desktopapp.core.db import DONE, ERROR, PENDING, PROCESSING, Photo
from desktopapp.core.events import EventBus
from desktopapp.core.failures import PERMANENT_ERRORS
from desktopapp.core.journal import WriteTransaction
from desktopapp.core.near_duplicates import NearDuplicateIndex
from desktopapp.core.store import (
    MAX_SOURCE_BYTES,
    READ_TIMEOUT,
    SourceProblem,
    StoredFile,
    copy_source_into_store,
    write_atomically,
)
from desktopapp.inventory import Analyzer, PhotoInput
from desktopapp.inventory.catalogue import Catalogue
from desktopapp.platform.paths import DataPaths

log = logging.getLogger(__name__)
MB = 1024 * 1024

MAX_ATTEMPTS = 4
# Decode at least this many pixels on the shorter side for the detector (JPEG draft picks
# the smallest DCT scale that still has them): its 300 px input, with room to spare.
ANALYSIS_SIDE = 600  # a transient I/O error is retried 3 times: after 0.5 s, 1 s, 2 s

# The two writes every photo makes, as plain SQL: building them with peewee's query
# builder cost more CPU (and GIL time, shared with the window) than running them.
# (no RETURNING: SQLite < 3.35, still shipped by some systems, lacks it)
# A photo of a paused batch is not claimed: its task is used up, the photo stays PENDING,
# and `queue_control.resume` queues it again (queue_control's module note).
# The claim names its worker and how long it holds the photo without news (core.leases:
# a team's worker that dies loses its photos to the others when the lease runs out).
_CLAIM_SQL = (
    "UPDATE photo SET status = ?, attempts = attempts + 1, updated_at = ?,"
    " worker = ?, lease_until = ?"
    " WHERE id = ? AND status = ?"
    " AND NOT EXISTS (SELECT 1 FROM batch WHERE batch.id = photo.batch_id AND batch.paused = 1)"
)
_PHOTO_SQL = "SELECT * FROM photo WHERE id = ?"
_DONE_SQL = (
    "UPDATE photo SET status = ?, sha256 = ?, size = ?, format = ?, width = ?, height = ?,"
    " orientation = ?, phash = ?, sharpness = ?, brightness = ?, flags = ?, duplicate_of = ?,"
    " room_type = ?, room_source = ?, room_name = ?, room_cue = ?, items = ?,"
    " error_code = NULL, error_message = NULL, updated_at = ?, timings = ?"
    " WHERE id = ? AND status = ? AND attempts = ? AND worker = ?"
)
_QUEUED_AT_SQL = "SELECT updated_at, batch_id FROM photo WHERE id = ?"


class PhotoFailed(Exception):
    def __init__(self, code: str, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.transient = transient


@dataclass(frozen=True)
class Pipeline:
    db: SqliteDatabase
    bus: EventBus | None
    paths: DataPaths
    analyzer: Analyzer
    schedule_retry: Callable[[int, float], None]
    near_duplicates: NearDuplicateIndex
    max_pixels: int = imaging.MAX_PIXELS
    catalogue: Catalogue | None = None  # a corrected batch's events carry its inventory
    activity: Activity = field(default_factory=Activity)  # what each worker does now
    worker_id: str = "local"  # who claims (a team: host, process; core.leases)
    lease_seconds: float = 30.0
    clock: Callable[[], float] = time.time  # a team: the database's (leases across machines)

    def run(self, photo_id: int) -> str | None:
        """Process one photo; returns its final state, or None if there was nothing to do
        (or nothing could be written: the photo then waits for `tasks.requeue_lost`)."""
        try:
            claimed = self._claim(photo_id)
        except DatabaseError as exc:  # e.g. "database or disk is full": it stays PENDING
            log.warning(
                "photo %s: could not be claimed (%s); it will be queued again", photo_id, exc
            )
            return None
        if claimed is None:
            return None
        photo, queued_at = claimed
        watch = self.activity.begin(photo.id, photo.batch_id, photo.file_name, queued_at)
        try:
            return self._work(photo, watch)
        except PhotoFailed as failure:
            return self._fail_or_wait(photo, failure, watch)
        except DatabaseError as exc:  # its result could not be written
            log.warning("photo %s: could not be recorded (%s)", photo_id, exc)
            return self._fail_or_wait(photo, _database_failure(exc), watch)
        except Exception:
            log.exception("photo %s: unexpected failure", photo_id)
            return self._fail_or_wait(
                photo,
                PhotoFailed(
                    "internal_error",
                    "PhotoLot hit an unexpected problem with this photo. "
                    "Try again; if it keeps failing, please report it.",
                ),
                watch,
            )
        finally:
            self.activity.end(watch)

    def _fail_or_wait(self, photo: Photo, failure: PhotoFailed, watch: Watch) -> str | None:
        """Record the failure; if even that cannot be written (a full disk), the photo stays
        PROCESSING with no task, and `tasks.requeue_lost` queues it again later."""
        try:
            return self._fail(photo.id, failure, watch.finish(), photo.attempts)
        except DatabaseError as exc:
            log.warning("photo %s: its failure could not be recorded either (%s)", photo.id, exc)
            return None

    def _claim(self, photo_id: int) -> tuple[Photo, float] | None:
        """The photo, now PROCESSING, and since when it waited (its last change)."""
        with WriteTransaction(self.db, self.bus) as tx:
            row = self.db.execute_sql(_QUEUED_AT_SQL, (photo_id,)).fetchone()
            if row is not None:  # a team: the batch's lock before the photo's row, always
                tx.lock_batch(row[1])
            now = self.clock()
            claim = (PROCESSING, now, self.worker_id, now + self.lease_seconds, photo_id, PENDING)
            if row is None or self.db.execute_sql(_CLAIM_SQL, claim).rowcount != 1:
                return None  # gone, or not PENDING: somebody else's (or nobody's) work
            (photo,) = Photo.raw(_PHOTO_SQL, photo_id)
            tx.record_progress(photo.batch_id, "photo.processing", [photo], self.catalogue)
        return photo, row[0]

    def _work(self, photo: Photo, watch: Watch) -> str:
        watch.stage("copy")
        stored = self._stored_before(photo) or _copy(Path(photo.source_path), self.paths.store)
        watch.stage("decode")
        try:
            facts = imaging.process_image(
                stored.path,
                max_pixels=self.max_pixels,
                analysis_side=ANALYSIS_SIDE,
                keep_image=True,
            )
        except imaging.ImagingError as exc:
            raise PhotoFailed(exc.code, exc.message, transient=exc.transient) from exc
        thumb = self.paths.thumb_path(stored.sha256)
        if not thumb.exists():
            try:
                write_atomically(thumb, facts.thumbnail_jpeg)
            except OSError as exc:
                raise _write_failure(exc) from exc
        watch.stage("detect")
        analysis = self.analyzer.analyze(
            PhotoInput(
                photo_id=photo.id,
                file_name=photo.file_name,
                source_path=photo.source_path,
                stored_path=stored.path,
                thumbnail_path=thumb,
                width=facts.width,
                height=facts.height,
                image=facts.image,
            )
        )
        flags = [
            flag for flag, on in (("blurry", facts.blurry), ("too_dark", facts.too_dark)) if on
        ] + analysis.notices
        photo.status = DONE
        photo.sha256, photo.size = stored.sha256, stored.size
        photo.format, photo.width, photo.height = facts.format, facts.width, facts.height
        photo.orientation = facts.orientation
        photo.phash = f"{facts.phash:016x}"
        photo.sharpness = round(facts.sharpness, 2)
        photo.brightness = round(facts.brightness, 2)
        photo.room_type, photo.items = analysis.room_type, analysis.items
        photo.room_source, photo.room_name = analysis.room_source, analysis.room_name
        photo.room_cue = analysis.room_cue
        photo.error_code = photo.error_message = None
        watch.stage("write")
        with WriteTransaction(self.db, self.bus) as tx:
            batch_id, index = photo.batch_id, self.near_duplicates
            tx.lock_batch(batch_id)  # a team: one photo of the batch compared at a time
            match = index.match_and_add(batch_id, photo.id, photo.position, facts.phash)
            photo.duplicate_of = match
            tx.on_rollback(lambda: index.forget(batch_id, photo.id))
            photo.flags = flags + (["near_duplicate"] if match is not None else [])
            photo.updated_at = time.time()
            photo.timings = watch.finish()
            if analysis.cost is not None:  # asking the model: its seconds and tokens
                photo.timings.update(analysis.cost.as_timings())
            if not self._store_done(photo):  # no longer our claim: leave it alone
                index.forget(batch_id, photo.id)
                return _status_of(photo.id)
            tx.record_progress(batch_id, "photo.done", [photo], self.catalogue)
            # after COMMIT, before the followers hear of it: who sees DONE sees it gone
            source = Path(photo.source_path)
            tx.after_commit(lambda: self._drop_uploaded_source(source))
        return DONE

    def _stored_before(self, photo: Photo) -> StoredFile | None:
        """A photo analysed before (core.reanalysis) is read from the store: an upload's
        copy is gone by then, and the original may have moved or changed."""
        if not photo.sha256:
            return None
        path = self.paths.store / photo.sha256
        try:
            size = path.stat().st_size
        except OSError:  # not in the store any more: from its source, as the first time
            return None
        return StoredFile(photo.sha256, size, path)

    def _store_done(self, photo: Photo) -> bool:
        """Write the finished photo, if it is still this claim's (status and attempt)."""
        cursor = self.db.execute_sql(
            _DONE_SQL,
            (
                photo.status,
                photo.sha256,
                photo.size,
                photo.format,
                photo.width,
                photo.height,
                photo.orientation,
                photo.phash,
                photo.sharpness,
                photo.brightness,
                Photo.flags.db_value(photo.flags),
                photo.duplicate_of,
                photo.room_type,
                photo.room_source,
                photo.room_name,
                photo.room_cue,
                Photo.items.db_value(photo.items),
                photo.updated_at,
                json.dumps(photo.timings),
                photo.id,
                PROCESSING,
                photo.attempts,
                self.worker_id,
            ),
        )
        return cursor.rowcount == 1

    def _drop_uploaded_source(self, source: Path) -> None:
        """A browser upload is our own temporary copy: once stored, it is not needed."""
        uploads = self.paths.uploads
        if not source.is_relative_to(uploads):
            return
        try:
            source.unlink(missing_ok=True)
        except OSError:  # the start-up sweep (cleanup) will try again
            log.warning("could not remove the uploaded copy %s", source.name, exc_info=True)
            return
        for folder in source.parents:
            if folder == uploads or not folder.is_relative_to(uploads):
                break
            try:
                folder.rmdir()  # only when empty: other photos of the upload may remain
            except OSError:
                break

    def _fail(
        self,
        photo_id: int,
        failure: PhotoFailed,
        timings: dict | None = None,
        attempts: int | None = None,
    ) -> str:
        with WriteTransaction(self.db, self.bus) as tx:
            row = Photo.get_or_none(Photo.id == photo_id)
            if row is None:  # its batch was deleted meanwhile
                return ERROR
            if attempts is not None and (
                row.status != PROCESSING or row.attempts != attempts or row.worker != self.worker_id
            ):
                return row.status  # no longer this claim's (a lease ran out): leave it
            tx.lock_batch(row.batch_id)  # before the row's write, as every writer does
            row.timings = timings
            retry = failure.transient and row.attempts < MAX_ATTEMPTS
            row.error_code = failure.code
            if retry:
                delay = 0.5 * 2 ** (row.attempts - 1)
                row.status = PENDING
                row.error_message = f"{failure.message} Trying again in {delay:g} s."
                row.save()
                tx.record_progress(row.batch_id, "photo.retrying", [row], self.catalogue)
                photo_id = row.id
                tx.after_commit(lambda: self.schedule_retry(photo_id, delay))
            else:
                row.status = ERROR
                row.error_message = failure.message
                row.save()
                tx.record_progress(row.batch_id, "photo.error", [row], self.catalogue)
                if failure.code in PERMANENT_ERRORS:  # no retry will read our upload copy
                    source = Path(row.source_path)
                    tx.after_commit(lambda: self._drop_uploaded_source(source))
        return row.status


def _status_of(photo_id: int) -> str:
    row = Photo.get_or_none(Photo.id == photo_id)
    return row.status if row is not None else ERROR


def _copy(source: Path, store_dir: Path):  # -> StoredFile
    try:
        return copy_source_into_store(
            source,
            store_dir,
            is_picture=lambda head: imaging.sniff_format(head) is not None,
            head_bytes=imaging.SNIFF_BYTES,
        )
    except SourceProblem as exc:
        raise _source_failure(exc) from exc
    except FileNotFoundError as exc:
        raise PhotoFailed(
            "source_missing",
            "The original file is no longer where it was dropped from "
            "(moved, renamed or on a disconnected drive).",
        ) from exc
    except PermissionError as exc:
        raise PhotoFailed("unreadable", "PhotoLot is not allowed to read this file.") from exc
    except IsADirectoryError as exc:
        raise PhotoFailed("not_an_image", "This is a folder, not a photo.") from exc
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise PhotoFailed("disk_full", DISK_FULL) from exc
        raise PhotoFailed(
            "io_error",
            "The file could not be read because of a storage error.",
            transient=exc.errno in imaging.TRANSIENT_ERRNOS,
        ) from exc


DISK_FULL = "The disk is full: free some space, then retry the failed photos."


def _write_failure(exc: OSError) -> PhotoFailed:
    if exc.errno == errno.ENOSPC:
        return PhotoFailed("disk_full", DISK_FULL)
    return PhotoFailed(
        "io_error",
        "PhotoLot could not write in its data folder because of a storage error.",
        transient=exc.errno in imaging.TRANSIENT_ERRNOS,
    )


# PostgreSQL's passing troubles (a team): another try will do, as for a flaky disk
_TRANSIENT_DATABASE = (
    "deadlock detected",
    "could not serialize",
    "lock timeout",
    "terminating connection",
    "connection is closed",
    "server closed the connection",
    "connection failed",
    "consuming input failed",
)


def _database_failure(exc: DatabaseError) -> PhotoFailed:
    text = str(exc).lower()
    if "full" in text:  # SQLITE_FULL: "database or disk is full"
        return PhotoFailed("disk_full", DISK_FULL)
    if any(words in text for words in _TRANSIENT_DATABASE):
        return PhotoFailed(
            "database_unavailable",
            "PhotoLot's database did not answer for a moment while recording this photo.",
            transient=True,
        )
    return PhotoFailed(
        "internal_error",
        "PhotoLot could not record this photo's result. Try again; if it keeps failing, "
        "please report it.",
    )


def _source_failure(problem: SourceProblem) -> PhotoFailed:
    if problem.code == "too_large":
        return PhotoFailed(
            "too_large",
            f"The file is {problem.size / MB:,.0f} MB: PhotoLot takes photos of up to "
            f"{MAX_SOURCE_BYTES // MB} MB.",
        )
    if problem.code == "empty":
        return PhotoFailed("empty_file", imaging.ImagingError("empty_file").message)
    if problem.code == "not_an_image":
        return PhotoFailed("not_an_image", imaging.ImagingError("not_an_image").message)
    if problem.code == "not_regular":
        return PhotoFailed(
            "source_unreadable",
            "This is not a regular file (a pipe, a device or a socket): PhotoLot reads "
            "photo files only.",
        )
    return PhotoFailed(
        "source_unreadable",
        f"Reading the file took more than {READ_TIMEOUT:g} s (a network drive that stopped "
        "answering?). Check the drive, then retry the failed photos.",
    )
