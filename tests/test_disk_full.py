"""A full disk (issue 13.11): on a 16 MB tmpfs nearly filled, photos fail with `disk_full`
(or wait, when not even the database can be written), none is lost; after space is freed,
retry-failed and the in-process recovery finish the batch."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

DRIVER = Path(__file__).resolve().parent / "disk_full_driver.py"


def noisy_photo(path: Path, seed: int) -> None:
    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.frombytes("RGB", (640, 480), rng.randbytes(640 * 480 * 3))
    image.save(path, quality=92)  # noise: ~400 KB that does not compress


def test_a_full_disk_loses_no_photo_and_retry_finishes_the_batch(tmp_path):
    unshare = shutil.which("unshare")
    if os.geteuid() != 0 or unshare is None:
        pytest.skip("needs root and unshare to mount a small tmpfs")
    photos = tmp_path / "photos" / "Salon"
    for i in range(12):
        noisy_photo(photos / f"p{i:02d}.jpg", i)
    disk = tmp_path / "disk"
    disk.mkdir()
    data, filler = disk / "data", disk / "filler"
    # the data dir is made first (database, folders), then all but ~1.5 MB is filled
    script = (
        f"mount -t tmpfs -o size=16m tmpfs {disk} && "
        f"{sys.executable} -c \"import sys; sys.path.insert(0, '{DRIVER.parents[1]}'); "
        f"from desktopapp.core.db import open_database; "
        f"from desktopapp.platform.paths import DataPaths; "
        f"DataPaths(__import__('pathlib').Path('{data}')).ensure(); "
        f"open_database(__import__('pathlib').Path('{data}') / 'photolot.sqlite3').close()\" && "
        f"free=$(df --output=avail -B1 {disk} | tail -1) && "
        f"head -c $((free - 1500000)) /dev/zero > {filler} && "
        f"exec {sys.executable} {DRIVER} {data} {photos.parent} {filler}"
    )
    done = subprocess.run(
        [unshare, "--mount", "sh", "-c", script], capture_output=True, text=True, timeout=300
    )
    if done.returncode != 0:  # the driver's own lines, without the repeated tracebacks
        lines = [line for line in done.stderr.splitlines() if not line.startswith(" ")]
        pytest.fail("\n".join(dict.fromkeys(lines)) + done.stdout)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    first = report["first"]
    print("first pass:", [(name, status, code) for name, status, code in first])
    # the disk filled up: some photos could not be taken in
    assert any(status != "DONE" for _name, status, _code in first)
    # every failure is said as a full disk, never another error
    assert all(code in (None, "disk_full") for _name, _status, code in first)
    # after freeing space: the whole batch, every photo done, none lost or doubled
    assert report["final"] == "COMPLETED", report
    assert sorted(name for name, _s, _c in report["after"]) == [f"p{i:02d}.jpg" for i in range(12)]
    assert all(status == "DONE" for _name, status, _code in report["after"])
