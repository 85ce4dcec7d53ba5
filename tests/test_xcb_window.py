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


class App:
    """The app started in a subprocess; its output read line by line on a thread."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        self.lines: list[str] = []
        self._changed = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self.lines.append("<eof>")
            self._changed.notify_all()

    def wait_for_line(self, text: str) -> bool:
        with self._changed:
            return self._changed.wait_for(
                lambda: any(text in line for line in self.lines) or "<eof>" in self.lines,
                TIMEOUT,
            ) and any(text in line for line in self.lines)

    def output(self) -> str:
        return "\n".join(self.lines)

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            _, errors = self.proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, errors = self.proc.communicate()
        return errors[-2000:]


def commands() -> list[list[str]]:
    found = [[sys.executable, str(REPO / "main.py")]]
    binary = os.environ.get("PHOTOLOT_BINARY")
    if binary:
        found.append([binary])
    return found


def xdotool(display: str, *args: str) -> str:
    done = subprocess.run(
        ["xdotool", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env={**os.environ, "DISPLAY": display},
    )
    return done.stdout.strip()


@pytest.mark.parametrize("command", commands(), ids=lambda c: Path(c[-1]).name)
def test_the_window_starts_on_x11_and_quits_with_ctrl_q(x_display, tmp_path, command):
    if shutil.which("xdotool") is None:
        if os.environ.get("CI"):
            pytest.fail("xdotool is missing: .ci/setup installs it")
        pytest.skip("xdotool is not installed")
    env = {
        **os.environ,
        "DISPLAY": x_display,
        "QT_QPA_PLATFORM": "xcb",
        "PHOTOLOT_REPORT_SHOWN": "1",
        "HOME": str(tmp_path),
    }
    app = App([*command, "--data-dir", str(tmp_path / "data"), "--port", "0"], env)
    try:
        assert app.wait_for_line("window shown"), app.output() + app.stop()
        # the terminal says where the app is, as --headless does
        assert app.lines[0].startswith("PhotoLot ready: http://127.0.0.1:"), app.output()
        assert app.lines[1] == f"Log file: {tmp_path / 'data' / 'logs' / 'photolot.log'}"
        window = xdotool(x_display, "search", "--sync", "--onlyvisible", "--name", "^PhotoLot")
        assert window, "no visible window named PhotoLot"
        window_id = window.splitlines()[0]
        assert xdotool(x_display, "getwindowname", window_id) == "PhotoLot"
        # no window manager under Xvfb: focus it ourselves, then type as a person (XTEST)
        xdotool(x_display, "windowfocus", "--sync", window_id)
        xdotool(x_display, "key", "ctrl+q")
        assert app.proc.wait(TIMEOUT) == 0
    finally:
        app.stop()


def test_a_missing_xcb_library_is_named_in_one_line(tmp_path):
    """libxcb-cursor0 hidden (an empty file bound over it in a private mount namespace, as
    on a desktop without the package): one clear line naming the packages, exit 1."""
    library = Path("/usr/lib/x86_64-linux-gnu/libxcb-cursor.so.0")
    unshare = shutil.which("unshare")
    if os.geteuid() != 0 or unshare is None or not library.exists():
        pytest.skip("needs root, unshare and Debian's libxcb-cursor0 to hide it")
    script = (
        f"mount --bind /dev/null {library} && "
        f"exec {sys.executable} {REPO / 'main.py'} --data-dir {tmp_path / 'data'} --port 0"
    )
    done = subprocess.run(
        [unshare, "--mount", "sh", "-c", script],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env={**os.environ, "QT_QPA_PLATFORM": "xcb", "DISPLAY": ":99"},
    )
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "libxcb-cursor.so.0" in lines[0]
    assert "sudo apt install libxcb-cursor0" in lines[0]
    assert "sudo dnf install xcb-util-cursor" in lines[0]
    assert "Could not load the Qt platform plugin" not in done.stderr


def test_a_damaged_database_is_a_dialog_in_the_window_and_a_line_in_the_terminal(
    x_display, tmp_path
):
    if shutil.which("xdotool") is None:
        if os.environ.get("CI"):
            pytest.fail("xdotool is missing: .ci/setup installs it")
        pytest.skip("xdotool is not installed")
    data = tmp_path / "data"
    data.mkdir()
    (data / "photolot.sqlite3").write_text("not a database\n" * 100)
    env = {**os.environ, "DISPLAY": x_display, "QT_QPA_PLATFORM": "xcb", "HOME": str(tmp_path)}
    app = App([sys.executable, str(REPO / "main.py"), "--data-dir", str(data)], env)
    try:
        dialog = xdotool(x_display, "search", "--sync", "--onlyvisible", "--name", "^PhotoLot$")
        assert dialog, "no dialog"
        window_id = dialog.splitlines()[0]
        xdotool(x_display, "windowfocus", "--sync", window_id)
        xdotool(x_display, "key", "Return")  # OK
        assert app.proc.wait(TIMEOUT) == 1
    finally:
        errors = app.stop()
    assert "photolot: PhotoLot's database" in errors and "Traceback" not in errors
