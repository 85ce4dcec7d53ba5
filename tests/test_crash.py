"""SIGKILL a batch mid-flight at several points, restart, and get a clean run's result."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from desktopapp.core.db import Event, Photo, open_database
from desktopapp.core.db_postgres import open_postgres
from tests.helpers import make_photos

DRIVER = Path(__file__).with_name("crash_driver.py")


def driver_options(backend: dict) -> list[str]:
    """The driver's flags for a back-end (tests/team_fixtures.py `backend`): a team's
    engines with a short lease, so a killed worker's photos come back quickly."""
    if not backend:
        return []
    return [
        "--database",
        backend["database_url"],
        "--queue",
        backend["queue_url"],
        "--store",
        str(backend["store_dir"]),
        "--lease-seconds",
        "0.5",
    ]


def run_driver(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(DRIVER), str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def comparable(snapshot: dict) -> dict:
    photos = {
        p["fileName"]: (
            p["status"],
            p["errorCode"],
            p["roomType"],
            p["width"],
            p["height"],
            tuple(p["flags"]),
        )
        for p in snapshot["photos"]
    }
    return {
        "status": snapshot["status"],
        "counts": snapshot["counts"],
        "photos": photos,
        "summary": snapshot["inventorySummary"],
    }


@pytest.fixture(scope="module")
def drop(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("crash") / "Salon"
    make_photos(folder, 10)
    (folder / "zz-broken.jpg").write_bytes((folder / "photo-0000.jpg").read_bytes()[:700])
    return folder


@pytest.fixture(scope="module")
def clean_result(drop, tmp_path_factory) -> dict:
    done = run_driver(tmp_path_factory.mktemp("clean"), "--create", str(drop))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("kill_at", "after"),
    [("copy", 1), ("copy", 6), ("decode", 3), ("decode", 9), ("commit", 2), ("commit", 13)],
)
def test_sigkill_then_restart_ends_like_a_clean_run(
    drop, clean_result, tmp_path, kill_at, after, backend
):
    data_dir = tmp_path / "data"
    options = driver_options(backend)
    crashed = run_driver(
        data_dir, "--create", str(drop), "--kill-at", kill_at, "--after", str(after), *options
    )
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    assert crashed.stdout == ""  # it died before the batch was final

    if backend:  # a team sweeps only copies idle for a while (another machine may be
        # copying into the shared store now): these have been, as after a real outage
        for leftover in (backend["store_dir"] / "photos").glob(".incoming-*"):
            old = leftover.stat().st_mtime - 300
            os.utime(leftover, (old, old))
    restarted = run_driver(data_dir, *options)
    assert restarted.returncode == 0, restarted.stderr
    assert comparable(json.loads(restarted.stdout)) == comparable(clean_result)

    files = backend.get("store_dir") or data_dir  # a team's photos are in its shared folder
    db = (
        open_postgres(backend["database_url"])
        if backend
        else open_database(data_dir / "photolot.sqlite3")
    )
    try:
        events = list(Event.select().order_by(Event.id))
        ids = [e.id for e in events]
        assert ids == sorted(set(ids))
        terminal = Counter(
            photo["id"]
            for e in events
            if e.type in ("photo.done", "photo.error")
            for photo in e.payload["photos"]
        )
        photos = list(Photo.select())
        assert {p.status for p in photos} <= {"DONE", "ERROR"}
        assert terminal == Counter({p.id: 1 for p in photos})  # each photo ends exactly once
        for photo in photos:
            if photo.status == "DONE":
                assert (files / "thumbs" / f"{photo.sha256}.jpg").is_file()
                assert (files / "photos" / photo.sha256).stat().st_size == photo.size
        assert not list((files / "photos").glob(".incoming-*"))  # crash leftovers swept
    finally:
        db.close()
