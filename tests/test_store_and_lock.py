"""The content store, the data-dir lock and the queue's wake-up signal."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from desktopapp.core.events import EventBus
from desktopapp.core.journal import WriteTransaction
from desktopapp.core.services import Core
from desktopapp.core.store import copy_into_store
from desktopapp.core.tasks import WakeSignal
from desktopapp.platform.datadir_lock import DataDirBusy
from desktopapp.platform.settings import Settings

MAIN = Path(__file__).resolve().parents[1] / "main.py"


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
    (tmp_path / "a.jpg").write_bytes(b"same bytes")
    (tmp_path / "b.jpg").write_bytes(b"same bytes")
    first = copy_into_store(tmp_path / "a.jpg", store)
    second = copy_into_store(tmp_path / "b.jpg", store)
    assert first.sha256 == second.sha256 and first.size == 10
    assert [p.name for p in store.iterdir()] == [first.sha256]


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
