"""A damaged, newer or foreign database, or a data folder PhotoLot cannot write: one clear
message and exit 1, never a traceback, and the file left byte-identical (issue 13.12, 13.13).
The window's dialog for the same is checked under Xvfb (tests/test_xcb_window.py)."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from desktopapp.core import db as dbm
from tests.helpers import make_photo

MAIN = Path(__file__).resolve().parents[1] / "main.py"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(MAIN), *args], capture_output=True, text=True, timeout=120
    )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def a_real_database(path: Path) -> None:
    database = dbm.open_database(path, bind=False)
    database.execute_sql("INSERT INTO project (name, created_at) VALUES ('Maison', 1)")
    database.close()


def damaged(kind: str, path: Path) -> None:
    if kind == "truncated":
        a_real_database(path)
        for extra in ("-wal", "-shm"):
            Path(f"{path}{extra}").unlink(missing_ok=True)
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 3])
    elif kind == "random_bytes":
        path.write_bytes(os.urandom(8192))
    elif kind == "text_file":
        path.write_text("These are my notes, not a database.\n" * 50)
    elif kind == "newer":
        a_real_database(path)
        raw = sqlite3.connect(path)
        raw.execute(f"PRAGMA user_version = {dbm.SCHEMA_VERSION + 1}")
        raw.commit()
        raw.close()
    elif kind == "foreign":
        raw = sqlite3.connect(path)  # another program's tables, user_version 0
        raw.execute("CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT)")
        raw.execute("INSERT INTO contacts (name) VALUES ('Alice')")
        raw.commit()
        raw.close()


@pytest.mark.parametrize("kind", ["truncated", "random_bytes", "text_file", "newer", "foreign"])
@pytest.mark.parametrize("mode", ["process", "headless"])
def test_a_database_photolot_cannot_use_is_named_and_left_untouched(tmp_path, kind, mode):
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    database = data / "photolot.sqlite3"
    damaged(kind, database)
    before = digest(database)
    files_before = sorted(p.name for p in data.iterdir())
    photo = make_photo(tmp_path / "a.jpg", 1)
    args = ["process", str(photo)] if mode == "process" else ["--headless", "--port", "0"]
    done = run(*args, "--data-dir", str(data))
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("photolot: "), done.stderr
    assert str(database) in lines[0]
    if kind == "newer":
        assert "newer PhotoLot" in lines[0] and "Update PhotoLot" in lines[0]
    else:
        assert "--data-dir" in lines[0]
    assert digest(database) == before  # byte-identical
    beside = {p.name for p in data.iterdir()} - set(files_before)
    assert not {name for name in beside if name.startswith("photolot.sqlite3")}


def unshare_or_skip() -> str:
    unshare = shutil.which("unshare")
    if os.geteuid() != 0 or unshare is None:
        pytest.skip("needs root and unshare for a read-only mount (root ignores chmod)")
    return unshare


@pytest.mark.parametrize("where", ["existing", "new_under_read_only_parent"])
def test_a_read_only_data_folder_is_one_clear_message(tmp_path, where):
    unshare = unshare_or_skip()
    parent = tmp_path / "parent"
    data = parent / "data"
    if where == "existing":
        run("--self-test", "--data-dir", str(data))  # a complete data dir first
        assert data.is_dir()
    else:
        parent.mkdir()
    photo = make_photo(tmp_path / "a.jpg", 1)
    script = (
        f"mount --bind {parent} {parent} && mount -o remount,bind,ro {parent} && "
        f"exec {sys.executable} {MAIN} process {photo} --data-dir {data}"
    )
    done = subprocess.run(
        [unshare, "--mount", "sh", "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"photolot: PhotoLot cannot write to its data folder {data}")
    assert "--data-dir" in lines[0]
