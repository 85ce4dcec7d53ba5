"""The content-addressed store: photos/<sha256>, written by copy-while-hashing.

A dropped file is read where the person keeps it, which may be anything by the time a
worker gets to it: `copy_source_into_store` opens it without blocking (a FIFO swapped in
would block `open()` forever), checks it is a regular file of an acceptable size and that
its first bytes are a picture before copying anything, stops at the size cap whatever the
file claims, and bounds every read with a timeout (a hung network share fails that photo
alone; the stuck read is left to a daemon thread and the worker goes on).
"""

from __future__ import annotations

import hashlib
import os
import queue
import stat
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1024 * 1024
MAX_SOURCE_BYTES = 200 * 1024 * 1024  # the browser upload's per-photo cap too
READ_TIMEOUT = 30.0  # seconds one read of a source may take before the photo fails


class SourceProblem(Exception):
    """A dropped file that cannot be taken into the store; `code` says why."""

    def __init__(self, code: str, size: int = 0) -> None:
        super().__init__(code)
        self.code = code  # not_regular | too_large | empty | not_an_image | timeout
        self.size = size


# The OS call that reads a source (tests stand a hung network share in for it).
read_chunk: Callable[[int, int], bytes] = os.read


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    path: Path


def copy_source_into_store(
    source: Path,
    store_dir: Path,
    *,
    is_picture: Callable[[bytes], bool],
    head_bytes: int,
    max_bytes: int = MAX_SOURCE_BYTES,
    timeout: float = READ_TIMEOUT,
) -> StoredFile:
    """Copy `source` into `store_dir/<sha256>`, hashing as it goes; atomic rename at the
    end; a second copy of identical content costs one read and no extra disk space. For
    files outside PhotoLot's control: see the module's note.

    Raises SourceProblem, FileNotFoundError, PermissionError or OSError."""
    fd = os.open(source, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise SourceProblem("not_regular")
        if st.st_size > max_bytes:
            raise SourceProblem("too_large", st.st_size)
        if st.st_size == 0:
            raise SourceProblem("empty")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        reader = _TimedReader(fd, timeout)
        head = reader.read(head_bytes)
        if not is_picture(head):
            raise SourceProblem("not_an_image")
        return _store_from(reader, head, store_dir, max_bytes)
    finally:
        os.close(fd)


def _store_from(reader: _TimedReader, head: bytes, store_dir: Path, max_bytes: int) -> StoredFile:
    digest = hashlib.sha256(head)
    size = len(head)
    fd, tmp_name = tempfile.mkstemp(dir=store_dir, prefix=".incoming-")
    tmp_path = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as dst:
            dst.write(head)
            while chunk := reader.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:  # it grew past what it said (or lied): stop now
                    raise SourceProblem("too_large", size)
                digest.update(chunk)
                dst.write(chunk)
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


class _TimedReader:
    """Reads `fd` on a daemon thread; each read waits at most `timeout` seconds."""

    def __init__(self, fd: int, timeout: float) -> None:
        self._fd = fd
        self._timeout = timeout

    def read(self, size: int) -> bytes:
        answers: queue.SimpleQueue[bytes | BaseException] = queue.SimpleQueue()

        def run() -> None:
            try:
                answers.put(_read_full(self._fd, size))
            except BaseException as exc:  # handed to the waiting worker
                answers.put(exc)

        threading.Thread(target=run, name="photolot-source-read", daemon=True).start()
        try:
            answer = answers.get(timeout=self._timeout)
        except queue.Empty:
            raise SourceProblem("timeout") from None
        if isinstance(answer, BaseException):
            raise answer
        return answer


def _read_full(fd: int, size: int) -> bytes:
    parts, got = [], 0
    while got < size:
        chunk = read_chunk(fd, size - got)
        if not chunk:
            break
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


def write_atomically(path: Path, data: bytes) -> None:
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def sweep_incoming(store_dir: Path, idle_for: float | None = None) -> int:
    """Remove temp files left by a crash mid-copy; returns how many. `idle_for`: only those
    unwritten for that many seconds (a team's shared store: another machine may be
    copying into it now, and a live copy keeps writing)."""
    removed = 0
    now = time.time()
    if idle_for is not None:  # the file server's clock, which stamped the leftovers
        with tempfile.NamedTemporaryFile(dir=store_dir, prefix=".probe-") as probe:
            now = os.fstat(probe.fileno()).st_mtime
    for leftover in store_dir.glob(".incoming-*"):
        try:
            if idle_for is not None and now - leftover.stat().st_mtime < idle_for:
                continue
            leftover.unlink()
        except FileNotFoundError:
            continue
        removed += 1
    return removed
