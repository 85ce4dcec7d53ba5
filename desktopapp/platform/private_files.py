"""The data dir is the user's alone: it lists their files and holds their photos.

Whatever the umask, every folder under it is created 0700 and every file 0600
(`create_private`, `open_private`), and a data dir left with looser modes by an older
PhotoLot (or by hand) is tightened at start (`tighten`). SQLite gives the database's
-wal and -shm files the database file's own mode, so the database is created 0600 first.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def create_private(path: Path) -> None:
    """Create an empty file owner-only if it does not exist (before another library opens
    it with the umask's mode)."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))


def open_private(path: Path, mode: str = "a", encoding: str | None = "utf-8"):
    """`open()` whose file, when it has to be created, is owner-only."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if "a" in mode else os.O_TRUNC)
    fd = os.open(path, flags, FILE_MODE)
    return os.fdopen(fd, mode, encoding=encoding) if "b" not in mode else os.fdopen(fd, mode)


def tighten(root: Path, depth: int = 1) -> int:
    """chmod `root`, its sub-folders (down to `depth`) and the files in them to owner-only
    where they are looser; returns how many were changed. The content-addressed folders'
    own files are written 0600 (mkstemp) and not walked: they can number 100,000."""
    changed = 0
    for path, _level in _walk(root, depth):
        try:
            st = path.lstat()
        except OSError:
            continue
        if stat.S_ISLNK(st.st_mode):
            continue
        wanted = FOLDER_MODE if stat.S_ISDIR(st.st_mode) else FILE_MODE
        if stat.S_IMODE(st.st_mode) & 0o077:
            with contextlib.suppress(OSError):
                path.chmod(stat.S_IMODE(st.st_mode) & wanted)
                changed += 1
    return changed


def _walk(root: Path, depth: int):
    yield root, 0
    pending = [(root, 0)]
    while pending:
        folder, level = pending.pop()
        if level >= depth:
            continue
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            path = Path(entry.path)
            yield path, level + 1
            if entry.is_dir(follow_symlinks=False):
                pending.append((path, level + 1))
