"""The content store, the data-dir lock and the queue's wake-up signal."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from desktopapp.core import store as store_module
from desktopapp.core.events import EventBus
from desktopapp.core.journal import WriteTransaction
from desktopapp.core.services import Core
from desktopapp.core.store import SourceProblem, copy_source_into_store
from desktopapp.core.tasks import WakeSignal
from desktopapp.platform.datadir_lock import DataDirBusy
from desktopapp.platform.settings import Settings

MAIN = Path(__file__).resolve().parents[1] / "main.py"


def copy_into_store(source, store_dir, **kwargs):
    return copy_source_into_store(
        source,
        store_dir,
        is_picture=lambda head: head.startswith(b"\xff\xd8"),
        head_bytes=16,
        **kwargs,
    )


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_missing_sources_leave_no_descriptor_or_temp_file(tmp_path):
    store = tmp_path / "store"
    store.mkdir()
    before = open_fds()
    for i in range(100):
        with pytest.raises(FileNotFoundError):
            copy_into_store(tmp_path / f"gone-{i}.jpg", store)
    assert open_fds() == before
    assert list(store.iterdir()) == []


def test_identical_content_is_stored_once(tmp_path):
    store = tmp_path / "store"
    store.mkdir()
    (tmp_path / "a.jpg").write_bytes(b"\xff\xd8same bytes")
    (tmp_path / "b.jpg").write_bytes(b"\xff\xd8same bytes")
    first = copy_into_store(tmp_path / "a.jpg", store)
    second = copy_into_store(tmp_path / "b.jpg", store)
    assert first.sha256 == second.sha256 and first.size == 12
    assert [p.name for p in store.iterdir()] == [first.sha256]


def test_a_fifo_is_refused_at_once_without_blocking(tmp_path):
    store = tmp_path / "store"
    store.mkdir()
    os.mkfifo(tmp_path / "pipe.jpg")  # open() without O_NONBLOCK would wait for a writer
    with pytest.raises(SourceProblem) as raised:
        copy_into_store(tmp_path / "pipe.jpg", store)
    assert raised.value.code == "not_regular"
    assert list(store.iterdir()) == []


def test_a_huge_sparse_file_is_refused_before_reading(tmp_path, monkeypatch):
    store = tmp_path / "store"
    store.mkdir()
    huge = tmp_path / "huge.jpg"
    with open(huge, "wb") as out:
        out.write(b"\xff\xd8\xff")
        out.truncate(64 * 1024**3)  # 64 GiB, sparse: nothing on disk
    reads = []
    real_read = store_module.read_chunk
    monkeypatch.setattr(
        store_module, "read_chunk", lambda fd, n: reads.append(n) or real_read(fd, n)
    )
    with pytest.raises(SourceProblem) as raised:
        copy_into_store(huge, store)
    assert raised.value.code == "too_large" and raised.value.size == 64 * 1024**3
    assert reads == [] and list(store.iterdir()) == []


def test_a_file_growing_past_the_cap_is_stopped_at_the_cap(tmp_path, monkeypatch):
    store = tmp_path / "store"
    store.mkdir()
    source = tmp_path / "growing.jpg"
    source.write_bytes(b"\xff\xd8" + b"x" * 100)
    endless = iter(range(10_000))

    def grows(fd: int, n: int) -> bytes:  # it says 102 bytes, then never ends
        return b"\xff\xd8" + b"x" * (n - 2) if next(endless) == 0 else b"y" * n

    monkeypatch.setattr(store_module, "read_chunk", grows)
    with pytest.raises(SourceProblem) as raised:
        copy_into_store(source, store, max_bytes=5 * 1024 * 1024)
    assert raised.value.code == "too_large" and raised.value.size <= 6 * 1024 * 1024
    assert list(store.iterdir()) == []  # the temp file is gone too


def test_a_read_that_hangs_fails_after_the_timeout_and_frees_the_caller(tmp_path, monkeypatch):
    store = tmp_path / "store"
    store.mkdir()
    source = tmp_path / "on-a-dead-share.jpg"
    source.write_bytes(b"\xff\xd8" + b"x" * 100)
    release = threading.Event()

    def hangs(fd: int, n: int) -> bytes:  # a network share that stopped answering
        release.wait(30)
        return b""

    monkeypatch.setattr(store_module, "read_chunk", hangs)
    try:
        with pytest.raises(SourceProblem) as raised:
            copy_into_store(source, store, timeout=0.2)
        assert raised.value.code == "timeout"
    finally:
        release.set()
    assert list(store.iterdir()) == []


def test_one_core_per_data_dir(data_dir):
    core = Core(Settings(data_dir=data_dir, workers=1))
    try:
        with pytest.raises(DataDirBusy, match="already running"):
            Core(Settings(data_dir=data_dir, workers=1))
        done = subprocess.run(
            [sys.executable, str(MAIN), "process", str(MAIN), "--data-dir", str(data_dir)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 1
        assert "already running" in done.stderr and "Traceback" not in done.stderr
    finally:
        core.stop()
    Core(Settings(data_dir=data_dir, workers=1)).stop()  # free again once stopped
    assert (data_dir.stat().st_mode & 0o777) == 0o700


def test_followers_hear_of_a_commit_even_if_an_after_commit_step_fails(data_dir):
    bus = EventBus()
    heard = []
    bus.subscribe(lambda batch_id, head: heard.append((batch_id, head)))
    core = Core(Settings(data_dir=data_dir, workers=1), bus=bus)
    try:
        from desktopapp.core.db import Batch, Project

        with pytest.raises(RuntimeError), WriteTransaction(core.db, bus) as tx:
            batch = Batch.create(project=Project.create(name="p"))
            event_id = tx.record(batch.id, "test", {})
            tx.after_commit(lambda: (_ for _ in ()).throw(RuntimeError("boom")))
        assert heard == [(batch.id, event_id)]
    finally:
        core.stop()


def test_wake_signal_is_not_lost_between_looking_and_waiting():
    signal = WakeSignal()
    seen = signal.generation()  # a worker looked at the queue: empty
    signal.notify()  # work arrives before the worker starts waiting
    assert signal.wait(seen, timeout=0) is True  # it does not sleep

    seen = signal.generation()
    waiter_done = threading.Event()
    result = []

    def waiter():
        result.append(signal.wait(seen, timeout=30))
        waiter_done.set()

    threading.Thread(target=waiter).start()
    signal.notify()
    assert waiter_done.wait(10) and result == [True]
