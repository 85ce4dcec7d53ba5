"""The data dir is the user's alone, whatever the umask: created owner-only, and loose
modes left by an older PhotoLot tightened at start."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from tests.helpers import make_photo

MAIN = Path(__file__).resolve().parents[1] / "main.py"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def run_with_umask_022(*args: str) -> subprocess.CompletedProcess:
    def loose_umask() -> None:
        os.umask(0o022)

    return subprocess.run(
        [sys.executable, str(MAIN), *args],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=loose_umask,
    )


def private_paths(data: Path) -> list[Path]:
    return [
        data,
        data / "logs",
        data / "photos",
        data / "thumbs",
        data / "uploads",
        data / "previews",
        data / "photolot.sqlite3",
        data / "photolot.sqlite3-wal",
        data / "photolot.sqlite3-shm",
        data / "logs" / "photolot.log",
        data / "logs" / "native.log",
    ]


def test_everything_under_the_data_dir_is_created_owner_only(tmp_path):
    make_photo(tmp_path / "drop" / "a.jpg", 1)
    data = tmp_path / "new" / "data"
    done = run_with_umask_022("process", str(tmp_path / "drop"), "--data-dir", str(data))
    assert done.returncode == 0, done.stderr
    for path in private_paths(data):
        if path.exists():  # -wal/-shm exist only while a connection is open
            wanted = 0o700 if path.is_dir() else 0o600
            assert mode(path) == wanted, f"{path}: {oct(mode(path))}"
    assert (
        mode(data / "photolot.sqlite3") == 0o600 and mode(data / "logs" / "photolot.log") == 0o600
    )
    for stored in [*(data / "photos").iterdir(), *(data / "thumbs").iterdir()]:
        assert mode(stored) & 0o077 == 0, stored


def test_loose_modes_are_tightened_at_start(tmp_path):
    make_photo(tmp_path / "drop" / "a.jpg", 1)
    data = tmp_path / "data"
    assert (
        run_with_umask_022("process", str(tmp_path / "drop"), "--data-dir", str(data)).returncode
        == 0
    )
    for path in private_paths(data):
        if path.exists():
            path.chmod(0o755 if path.is_dir() else 0o644)
    done = run_with_umask_022("process", str(tmp_path / "drop"), "--data-dir", str(data))
    assert done.returncode == 0, done.stderr
    for path in private_paths(data):
        if path.exists():
            assert mode(path) & 0o077 == 0, f"{path}: {oct(mode(path))}"


def test_the_databases_wal_and_shm_files_are_owner_only_while_open(tmp_path):
    from desktopapp.core.services import Core
    from desktopapp.platform.settings import Settings
    from tests.conftest import wait_until_final

    make_photo(tmp_path / "drop" / "a.jpg", 1)
    previous = os.umask(0o022)
    try:
        core = Core(Settings(data_dir=tmp_path / "data", workers=1, analyzer="names"))
        core.start()
        try:
            wait_until_final(core, core.create_batch([tmp_path / "drop"]).batch_id)
            for name in ("photolot.sqlite3", "photolot.sqlite3-wal", "photolot.sqlite3-shm"):
                path = tmp_path / "data" / name
                assert path.exists() and mode(path) == 0o600, f"{name}: {oct(mode(path))}"
        finally:
            assert core.stop(timeout=30)
    finally:
        os.umask(previous)


def test_a_redirect_file_is_user_only_escapes_the_link_and_old_ones_go(tmp_path):
    import time as clock

    from desktopapp.platform import redirect_file

    folder = tmp_path / "links"
    folder.mkdir(mode=0o700)
    old = folder / "open-old.html"
    old.write_text("stale")
    os.utime(old, (clock.time() - 3600, clock.time() - 3600))
    url = 'http://127.0.0.1:8765/batches/1?token=a"b<c>&d'
    path = redirect_file.write_redirect_file(url, folder)
    assert mode(path) == 0o600 and not old.exists()
    page = path.read_text()
    assert 'content="0;url=http://127.0.0.1:8765/batches/1?token=a&quot;b&lt;c&gt;&amp;d"' in page
    assert (
        'window.location.replace("http://127.0.0.1:8765/batches/1?token=a\\"b\\u003cc>&d")' in page
    )
