"""The Linux menu entry installer: refuses a path that is not the program, installs and
removes the entry and icons for the current user only."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "resources" / "linux" / "install-desktop-entry.sh"


def install(*args: str, data: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "XDG_DATA_HOME": str(data)}
    return subprocess.run(
        ["sh", str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=60
    )


def test_a_path_that_is_not_the_program_is_refused(tmp_path):
    data = tmp_path / "share"
    done = install(str(tmp_path / "nowhere" / "photolot"), data=data)
    assert done.returncode == 1
    assert "is not an executable PhotoLot file" in done.stderr
    assert not (data / "applications" / "photolot.desktop").exists()
    folder = install(str(tmp_path), data=data)
    assert folder.returncode == 1


def test_installs_the_entry_with_the_absolute_path_then_removes_it(tmp_path, monkeypatch):
    program = tmp_path / "bin" / "photolot"
    program.parent.mkdir()
    program.write_text("#!/bin/sh\nexit 0\n")
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    data = tmp_path / "share"
    monkeypatch.chdir(tmp_path)
    done = install("bin/photolot", data=data)  # relative: made absolute in the entry
    assert done.returncode == 0, done.stderr
    entry = (data / "applications" / "photolot.desktop").read_text()
    assert f'Exec="{program}"' in entry
    assert (data / "icons" / "hicolor" / "256x256" / "apps" / "photolot.png").is_file()
    removed = install("--uninstall", data=data)
    assert removed.returncode == 0
    assert not (data / "applications" / "photolot.desktop").exists()
    assert not list((data / "icons").rglob("photolot.*"))


def test_the_entry_never_claims_folders_nor_sets_itself_as_default(tmp_path):
    """Listed under "Open with" for pictures; a folder still opens in the file manager, and
    nothing writes the user's defaults (mimeapps.list)."""
    program = tmp_path / "photolot"
    program.write_text("#!/bin/sh\nexit 0\n")
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    data = tmp_path / "share"
    assert install(str(program), data=data).returncode == 0
    entry = (data / "applications" / "photolot.desktop").read_text()
    (mime_line,) = [line for line in entry.splitlines() if line.startswith("MimeType=")]
    types = [t for t in mime_line.removeprefix("MimeType=").split(";") if t]
    assert "image/jpeg" in types and all(t.startswith("image/") for t in types)
    assert not list(tmp_path.rglob("mimeapps.list"))
