"""A user-only file that tells other programs where the running app listens; gone on exit."""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from pathlib import Path

import platformdirs


def runtime_file_for(data_dir: Path) -> Path:
    """One file per data dir, in the user's runtime dir (or the data dir as a fallback)."""
    tag = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:12]
    if sys.platform.startswith("linux") and not os.environ.get("XDG_RUNTIME_DIR"):
        return data_dir / f"photolot-{tag}.url"  # no per-user runtime dir: stay in ours
    try:
        folder = Path(platformdirs.user_runtime_dir("PhotoLot", appauthor=False))
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        folder = data_dir
    return folder / f"photolot-{tag}.url"


def write_runtime_file(path: Path, url: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(url + "\n")
    os.replace(tmp, path)


def remove_runtime_file(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
