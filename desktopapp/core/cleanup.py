"""Files no photo needs any more, removed at start-up (before the workers run, so no worker
is using them): store copies, thumbnails and previews of content no photo has, and
browser uploads no unfinished or retryable photo will read again.

Left behind by failures after the copy (a corrupt picture), by photos whose batch was
deleted while a worker held them, and by uploads of older PhotoLot versions.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

from peewee import SqliteDatabase

from desktopapp.core.db import DONE
from desktopapp.core.failures import PERMANENT_ERRORS
from desktopapp.platform.paths import DataPaths

log = logging.getLogger(__name__)

_SHAS_SQL = "SELECT DISTINCT sha256 FROM photo WHERE sha256 IS NOT NULL"
_UPLOADED_SQL = "SELECT source_path, status, error_code FROM photo WHERE source_path LIKE ?"


def sweep_orphans(db: SqliteDatabase, paths: DataPaths) -> int:
    """Remove what no photo references; returns how many files went."""
    shas = {sha for (sha,) in db.execute_sql(_SHAS_SQL).fetchall()}
    removed = 0
    for folder, name_to_sha in (
        (paths.store, lambda name: name),
        (paths.thumbs, lambda name: name.removesuffix(".jpg")),
        (paths.previews, lambda name: name.split("-", 1)[0]),
    ):
        for entry in _files(folder):
            if not entry.name.startswith(".") and name_to_sha(entry.name) not in shas:
                removed += _unlink(Path(entry.path))
    removed += _sweep_uploads(db, paths.uploads)
    if removed:
        log.info("removed %d file(s) no photo uses", removed)
    return removed


def _sweep_uploads(db: SqliteDatabase, uploads: Path) -> int:
    needed = {
        source
        for source, status, code in db.execute_sql(
            _UPLOADED_SQL, (str(uploads) + os.sep + "%",)
        ).fetchall()
        if status != DONE and code not in PERMANENT_ERRORS
    }
    removed = 0
    for root, dirs, files in os.walk(uploads, topdown=False):
        for name in files:
            path = Path(root) / name
            if str(path) not in needed:
                removed += _unlink(path)
        for name in dirs:
            with contextlib.suppress(OSError):
                (Path(root) / name).rmdir()  # only when empty
    return removed


def _files(folder: Path) -> list[os.DirEntry]:
    try:
        return [entry for entry in os.scandir(folder) if entry.is_file(follow_symlinks=False)]
    except OSError:
        return []


def _unlink(path: Path) -> int:
    try:
        path.unlink()
    except OSError:
        return 0
    return 1
