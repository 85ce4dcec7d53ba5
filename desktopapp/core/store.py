"""The content-addressed store: photos/<sha256>, written by copy-while-hashing."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    path: Path


def copy_into_store(source: Path, store_dir: Path) -> StoredFile:
    """Copy `source` into `store_dir/<sha256>`, hashing as it goes; atomic rename at the end.

    Raises FileNotFoundError if the source vanished, other OSErrors as they come.
    A second copy of identical content costs one read and no extra disk space.
    """
    digest = hashlib.sha256()
    size = 0
    with open(source, "rb") as src:  # first: a missing source must not leave a temp file open
        fd, tmp_name = tempfile.mkstemp(dir=store_dir, prefix=".incoming-")
        tmp_path = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as dst:
                while chunk := src.read(CHUNK):
                    digest.update(chunk)
                    dst.write(chunk)
                    size += len(chunk)
            sha256 = digest.hexdigest()
            final = store_dir / sha256
            if final.exists():
                tmp_path.unlink()
            else:
                os.replace(tmp_path, final)
            return StoredFile(sha256, size, final)
        except BaseException:
            tmp_path.unlink(missing_ok=True)
            raise


def write_atomically(path: Path, data: bytes) -> None:
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def sweep_incoming(store_dir: Path) -> int:
    """Remove temp files left by a crash mid-copy; returns how many."""
    removed = 0
    for leftover in store_dir.glob(".incoming-*"):
        leftover.unlink(missing_ok=True)
        removed += 1
    return removed
