"""Small read helpers the server needs on top of `state` and `journal` (synchronous SQLite).

They run on the server's database threads, never on its event loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from peewee import SqliteDatabase

from desktopapp import journal, state
from desktopapp.db import Photo
from desktopapp.paths import DataPaths


class PhotoNotFound(LookupError):
    def __init__(self, photo_id: int) -> None:
        super().__init__(f"photo {photo_id} does not exist")
        self.photo_id = photo_id


@dataclass(frozen=True)
class Thumbnail:
    path: Path
    sha256: str  # also the ETag: the content never changes for a given hash


def batch_head(batch_id: int) -> int:
    """The batch's journal head; raises `state.BatchNotFound` for an unknown batch."""
    state.get_batch(batch_id)
    return journal.head_id(batch_id)


def snapshot_at_head(db: SqliteDatabase, batch_id: int) -> tuple[dict[str, Any], int]:
    """The full state and the journal id it reflects, read in one transaction (consistent)."""
    with db.atomic():
        head = journal.head_id(batch_id)
        return state.snapshot(batch_id), head


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
