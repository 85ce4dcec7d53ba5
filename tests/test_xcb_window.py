"""The real window starts on X11 (Qt's xcb platform) under Xvfb, as on a user's desktop.

Every other Qt test runs offscreen, where a missing xcb library or plugin would go
unnoticed. CI installs Xvfb (`.ci/setup`); elsewhere the test is skipped when Xvfb is
missing. `PHOTOLOT_BINARY=dist/photolot` checks the built binary the same way.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TIMEOUT = 60.0


@pytest.fixture
def x_display():
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        if os.environ.get("CI"):
            pytest.fail("Xvfb is missing: .ci/setup installs it")
        pytest.skip("Xvfb is not installed")
    read, write = os.pipe()
    server = subprocess.Popen(
        [xvfb, "-displayfd", str(write), "-screen", "0", "1280x860x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()  # Xvfb writes its display number once it is ready
    assert number.isdigit(), "Xvfb did not start"
    yield f":{number}"
    server.terminate()
    server.wait(10)


def first_line(command: list[str], env: dict[str, str]) -> str:
    """Start the app and return the first line it prints (or "" after TIMEOUT)."""
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(TIMEOUT)
    proc.terminate()
    try:
        _, errors = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, errors = proc.communicate()
    return (lines[0] if lines else "") + ("" if lines and lines[0] else errors[-2000:])


def commands() -> list[list[str]]:
    found = [[sys.executable, str(REPO / "main.py")]]
    binary = os.environ.get("PHOTOLOT_BINARY")
    if binary:
        found.append([binary])
    return found


@pytest.mark.parametrize("command", commands(), ids=lambda c: Path(c[-1]).name)
def test_the_window_starts_on_x11(x_display, tmp_path, command):
    env = {
        **os.environ,
        "DISPLAY": x_display,
        "QT_QPA_PLATFORM": "xcb",
        "PHOTOLOT_REPORT_SHOWN": "1",
        "HOME": str(tmp_path),
    }
    line = first_line([*command, "--data-dir", str(tmp_path / "data"), "--port", "0"], env)
    assert "window shown" in line, line
