"""Quitting mid-batch: fast, and nothing lost (the rest resumes at the next start)."""

from __future__ import annotations

import time

from desktopapp.app import QUIT_BUDGET, LocalServices
from desktopapp.core import journal
from desktopapp.core.db import Photo
from desktopapp.core.events import BatchWatcher
from desktopapp.platform.settings import Settings
from tests.conftest import wait_until_final
from tests.helpers import make_photos


def test_quit_with_500_photos_running_is_fast_and_loses_nothing(data_dir, tmp_path):
    files = make_photos(tmp_path / "drop" / "Grenier", 500)
    services = LocalServices(Settings(data_dir=data_dir, port=0, workers=2)).start()
    batch_id = services.core.create_batch(files).batch_id
    with BatchWatcher(services.core.bus, batch_id) as watcher:
        while (
            Photo.select().where((Photo.batch == batch_id) & (Photo.status == "DONE")).count() < 5
        ):
            assert watcher.wait(timeout=30), "no progress"

    started = time.monotonic()
    services.stop(timeout=QUIT_BUDGET / 2)
    took = time.monotonic() - started
    assert took < QUIT_BUDGET, f"quit took {took:.2f} s"
    left = Photo.select().where(Photo.status.in_(["PENDING", "PROCESSING"])).count()
    assert left > 0  # it really was mid-batch

    again = LocalServices(Settings(data_dir=data_dir, port=0, workers=2)).start()
    try:
        snap = wait_until_final(again.core, batch_id, timeout=120)
        assert snap["status"] == "COMPLETED" and snap["counts"]["completed"] == 500
        done_events = [
            p["id"]
            for e in journal.events_after(batch_id, 0, limit=100_000)
            if e.type == "photo.done"
            for p in e.payload["photos"]
        ]
        assert sorted(done_events) == sorted(p.id for p in Photo.select())  # once each
    finally:
        again.stop()
