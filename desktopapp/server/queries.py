"""Small read helpers the server needs on top of `state` and `journal` (synchronous SQLite).

They run on the server's database threads, never on its event loop.
"""

from __future__ import annotations

import logging
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from peewee import SqliteDatabase

from desktopapp.core import imaging, journal, state
from desktopapp.core.db import DONE, Photo
from desktopapp.core.store import write_atomically
from desktopapp.platform.paths import DataPaths

log = logging.getLogger(__name__)

PREVIEW_SIDE = 1280  # longest side of a preview, in pixels (smaller photos keep their size)


class PhotoNotFound(LookupError):
    def __init__(self, photo_id: int) -> None:
        super().__init__(f"photo {photo_id} does not exist")
        self.photo_id = photo_id


@dataclass(frozen=True)
class Thumbnail:
    path: Path
    sha256: str  # also the ETag: the content never changes for a given hash


_render_locks: weakref.WeakValueDictionary[str, threading.Lock] = weakref.WeakValueDictionary()
_render_locks_guard = threading.Lock()


def _render_lock(sha256: str) -> threading.Lock:
    with _render_locks_guard:
        lock = _render_locks.get(sha256)
        if lock is None:
            lock = _render_locks[sha256] = threading.Lock()
        return lock


@dataclass(frozen=True)
class Preview:
    """A DONE photo's larger view: made from the stored original on first use, then cached."""

    path: Path  # previews/<sha256>-<side>.jpg, once made
    source: Path  # photos/<sha256>, the stored original
    sha256: str  # also the ETag, as for thumbnails

    def read(self) -> bytes:
        """The JPEG bytes; raises imaging.ImagingError if the original cannot be read.
        Requests for the same photo wait for one render instead of each making it."""
        with _render_lock(self.sha256):
            try:
                return self.path.read_bytes()
            except FileNotFoundError:
                pass
            return self._render()

    def _render(self) -> bytes:
        data = imaging.render_preview(self.source, PREVIEW_SIDE)
        try:
            write_atomically(self.path, data)
        except OSError as exc:  # a full disk: serve it anyway, make it again next time
            log.warning("could not cache the preview %s: %s", self.path.name, exc)
        return data


def batch_head(batch_id: int) -> int:
    """The batch's journal head; raises `state.BatchNotFound` for an unknown batch."""
    state.get_batch(batch_id)
    return journal.head_id(batch_id)


def snapshot_at_head(
    db: SqliteDatabase, catalogue: Any, batch_id: int
) -> tuple[dict[str, Any], int]:
    """The full state and the journal id it reflects, read in one transaction (consistent),
    with volumes from `catalogue` (the core's `Catalogue`, the user's overrides applied;
    the server only hands it on)."""
    with db.atomic():
        head = journal.head_id(batch_id)
        return state.snapshot(batch_id, catalogue), head


def thumbnail(paths: DataPaths, photo_id: int) -> Thumbnail | None:
    """The photo's thumbnail file, None while it has none; raises PhotoNotFound."""
    row = Photo.select(Photo.sha256).where(Photo.id == photo_id).tuples().first()
    if row is None:
        raise PhotoNotFound(photo_id)
    (sha256,) = row
    if not sha256:
        return None
    path = paths.thumb_path(sha256)
    return Thumbnail(path, sha256) if path.is_file() else None


def preview(paths: DataPaths, photo_id: int) -> Preview | None:
    """The photo's preview, None until the photo is DONE; raises PhotoNotFound."""
    row = Photo.select(Photo.sha256, Photo.status).where(Photo.id == photo_id).tuples().first()
    if row is None:
        raise PhotoNotFound(photo_id)
    sha256, status = row
    if status != DONE or not sha256:
        return None
    return Preview(paths.preview_path(sha256, PREVIEW_SIDE), paths.store / sha256, sha256)
