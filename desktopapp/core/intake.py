"""Dropped paths → one batch: its photos, first journal event and queued tasks, in one go.

Policy: a file dropped explicitly always becomes a photo (if it is not a picture,
it fails alone with a clear error the person sees). Inside dropped folders
(walked recursively), hidden and system files are skipped, and so is anything
whose content is not a picture; every skipped path is recorded with a reason.
Identical files in one drop are counted once, with a notice.
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from peewee import SqliteDatabase

from desktopapp.core.db import Batch, Photo, Project
from desktopapp.core.db_postgres import execute_many
from desktopapp.core.events import EventBus
from desktopapp.core.imaging import SNIFF_BYTES, sniff_format
from desktopapp.core.journal import WriteTransaction

DEFAULT_PROJECT = "Default"
SYSTEM_NAMES = frozenset(
    {
        "thumbs.db",
        "desktop.ini",
        "ehthumbs.db",
        "$recycle.bin",
        "system volume information",
        "__macosx",
        "@eadir",
        "lost+found",
    }
)
_WINDOWS_HIDDEN = 0x2 | 0x4  # FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_SYSTEM


class TaskQueue(Protocol):
    def enqueue_many(self, photo_ids: list[int], tx: WriteTransaction) -> None: ...

    def wake(self) -> None: ...


class NothingToImport(ValueError):
    """The drop held no picture at all; `skipped` says why for each path."""

    def __init__(self, skipped: list[dict[str, str]]) -> None:
        super().__init__("None of the dropped files is a photo PhotoLot can read.")
        self.skipped = skipped


@dataclass
class IntakeResult:
    batch_id: int
    photos_count: int
    skipped: list[dict[str, str]] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # the files that became photos


@dataclass
class _Scan:
    files: list[Path] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    seen_inodes: set[tuple[int, int]] = field(default_factory=set)
    seen_dirs: set[tuple[int, int]] = field(default_factory=set)
    same_file: int = 0
    names: Mapping[str, str] = field(default_factory=dict)  # path → the name to show
    base: Path | None = None  # the dropped path being walked: names are relative to it

    def display(self, path: Path) -> str:
        """How a person knows the file: the name it was sent with (uploads), else its path
        from the dropped folder ("Maison/Salon/notes.txt"); never where the server keeps
        it (the home folder, the user's name, uploads/<random>/)."""
        named = self.names.get(str(path))
        if named:
            return named
        if self.base is not None and path.is_relative_to(self.base.parent):
            return str(path.relative_to(self.base.parent)) or path.name
        return path.name

    def skip(self, path: Path, reason: str) -> None:
        self.skipped.append({"name": self.display(path), "reason": reason})


def _is_hidden(path: Path, st: os.stat_result) -> bool:
    name = path.name
    if name.startswith(".") or name.lower() in SYSTEM_NAMES:
        return True
    return bool(getattr(st, "st_file_attributes", 0) & _WINDOWS_HIDDEN)


def _looks_like_image(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return sniff_format(fh.read(SNIFF_BYTES)) is not None
    except OSError:
        return False


def _add_file(scan: _Scan, path: Path, st: os.stat_result, *, explicit: bool) -> None:
    key = (st.st_dev, st.st_ino)
    if key in scan.seen_inodes:
        scan.same_file += 1
        return
    if not os.access(path, os.R_OK):
        scan.skip(path, "unreadable: PhotoLot is not allowed to read this file")
        return
    if not explicit and not _looks_like_image(path):
        scan.skip(path, "not_an_image: the content is not a picture format PhotoLot reads")
        return
    scan.seen_inodes.add(key)
    scan.files.append(path)


def _walk(scan: _Scan, folder: Path) -> None:
    try:
        st = folder.stat()
    except OSError as exc:
        scan.skip(folder, f"unreadable: {exc.strerror or exc}")
        return
    if (st.st_dev, st.st_ino) in scan.seen_dirs:  # a symlink loop or a folder dropped twice
        return
    scan.seen_dirs.add((st.st_dev, st.st_ino))
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name.lower())
    except OSError as exc:
        scan.skip(folder, f"unreadable: {exc.strerror or exc}")
        return
    for entry in entries:
        path = Path(entry.path)
        try:
            entry_st = entry.stat()  # follows symlinks
        except OSError:
            scan.skip(path, "not_found: a broken link or a file that vanished")
            continue
        if _is_hidden(path, entry_st):
            scan.skip(path, "hidden: hidden or system file")
        elif stat.S_ISDIR(entry_st.st_mode):
            _walk(scan, path)
        elif stat.S_ISREG(entry_st.st_mode):
            _add_file(scan, path, entry_st, explicit=False)
        else:
            scan.skip(path, "special_file: not a regular file")


def scan_paths(
    paths: Iterable[str | os.PathLike[str]], names: Mapping[str, str] | None = None
) -> _Scan:
    scan = _Scan(names=names or {})
    for raw in paths:
        path = Path(raw).expanduser()
        scan.base = path.absolute()
        try:
            st = path.stat()
        except OSError:
            scan.skip(path, "not_found: no such file or folder")
            continue
        path = path.resolve()
        if stat.S_ISDIR(st.st_mode):
            _walk(scan, path)
        elif stat.S_ISREG(st.st_mode):
            _add_file(scan, path, st, explicit=True)
        else:
            scan.skip(path, "special_file: not a regular file or folder")
    return scan


def _content_key(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(1024 * 1024):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def drop_identical(files: Sequence[Path]) -> tuple[list[Path], list[tuple[Path, Path]]]:
    """Keep the first of files with identical content; only same-size files are hashed."""
    by_size: dict[int, list[Path]] = defaultdict(list)
    for path in files:
        try:
            by_size[path.stat().st_size].append(path)
        except OSError:
            by_size[-1].append(path)  # vanished: let the worker report it
    duplicates: dict[Path, Path] = {}
    for size, group in by_size.items():
        if size < 0 or len(group) < 2:
            continue
        first_by_hash: dict[str, Path] = {}
        for path in group:
            key = _content_key(path)
            if key is None:
                continue
            if key in first_by_hash:
                duplicates[path] = first_by_hash[key]
            else:
                first_by_hash[key] = path
    kept = [path for path in files if path not in duplicates]
    return kept, list(duplicates.items())


def create_batch(
    db: SqliteDatabase,
    bus: EventBus | None,
    queue: TaskQueue,
    paths: Iterable[str | os.PathLike[str]],
    *,
    project: str | None = None,
    analyzer: str = "offline",
    notices: Iterable[str] = (),
    names: Mapping[str, str] | None = None,
) -> IntakeResult:
    """`notices`: what the user should know about this batch besides its files (e.g. that
    object detection is off); `names`: path → the name a person knows it by (an upload's
    name as the browser sent it)."""
    scan = scan_paths(paths, names)
    files, identical = drop_identical(scan.files)
    notices = list(notices)
    repeated = scan.same_file + len(identical)
    if repeated:
        notices.append(f"{repeated} identical file(s) in this drop were counted once.")
    skipped = scan.skipped + [
        {"name": scan.display(dup), "reason": f"duplicate: identical to {scan.display(orig)}"}
        for dup, orig in identical
    ]
    if not files:
        raise NothingToImport(skipped)

    with WriteTransaction(db, bus) as tx:
        project_row, _ = Project.get_or_create(name=(project or DEFAULT_PROJECT).strip())
        batch = Batch.create(
            project=project_row, analyzer=analyzer, skipped=skipped, notices=notices
        )
        now = time.time()
        # executemany: peewee's per-row SQL building costs more than SQLite itself here
        execute_many(
            db,
            "INSERT INTO photo (batch_id, position, source_path, file_name, status, attempts,"
            " items, flags, updated_at) VALUES (?, ?, ?, ?, 'PENDING', 0, '[]', '[]', ?)",
            [(batch.id, index, str(path), path.name, now) for index, path in enumerate(files)],
        )
        photos = list(Photo.select().where(Photo.batch == batch.id).order_by(Photo.position))
        tx.record_progress(batch.id, "batch.created", photos)
        queue.enqueue_many([photo.id for photo in photos], tx)
        tx.after_commit(queue.wake)
    return IntakeResult(batch.id, len(photos), skipped, notices, [str(path) for path in files])


_SAME_FILES_SQL = (
    "SELECT batch_id, COUNT(*) FROM photo WHERE source_path IN ({marks}) GROUP BY batch_id"
)
_BATCH_SIZE_SQL = "SELECT COUNT(*) FROM photo WHERE batch_id = ?"


def batch_of_same_files(
    db: SqliteDatabase, paths: Iterable[str | os.PathLike[str]]
) -> tuple[int, int] | None:
    """(batch id, photos) of the newest batch made of exactly the files these paths give
    (the same files dropped again), else None."""
    files = sorted({str(path) for path in scan_paths(paths).files})
    if not files:
        return None
    found: dict[int, int] = defaultdict(int)
    for start in range(0, len(files), 500):
        chunk = files[start : start + 500]
        sql = _SAME_FILES_SQL.format(marks=",".join("?" * len(chunk)))
        for batch_id, count in db.execute_sql(sql, chunk).fetchall():
            found[batch_id] += count
    for batch_id in sorted(found, reverse=True):
        total = db.execute_sql(_BATCH_SIZE_SQL, (batch_id,)).fetchone()[0]
        if found[batch_id] == len(files) == total:
            return batch_id, total
    return None
