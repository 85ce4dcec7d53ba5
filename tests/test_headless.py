"""`photolot --headless`: ready line, one-time URL, runtime file; SIGTERM and Ctrl-C stop it."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from desktopapp.platform.runtime_file import runtime_file_for

MAIN = Path(__file__).resolve().parents[1] / "main.py"


def open_link(url: str) -> http.client.HTTPResponse:
    """GET without following the redirect, as the browser's first request."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=10)
    connection.request("GET", f"{parts.path}?{parts.query}")
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


@pytest.mark.parametrize("stop_with", [signal.SIGTERM, signal.SIGINT])
def test_headless_announces_itself_and_stops_cleanly(data_dir, stop_with):
    proc = subprocess.Popen(
        [sys.executable, str(MAIN), "--headless", "--port", "0", "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        ready = proc.stdout.readline().strip()
        assert ready.startswith("PhotoLot ready: http://127.0.0.1:") and ready.endswith("/")
        base = ready.removeprefix("PhotoLot ready: ").rstrip("/")
        browser = proc.stdout.readline().strip()
        token = (data_dir / "token").read_text().strip()
        assert browser.startswith(f"Open in your browser: {base}/?token=")
        link = browser.removeprefix("Open in your browser: ")
        ticket = link.partition("?token=")[2]
        assert len(ticket) >= 43 and ticket != token  # a one-time ticket, never the token
        assert os.stat(data_dir / "token").st_mode & 0o777 == 0o600
        runtime = runtime_file_for(data_dir)
        stored = runtime.read_text().strip()
        assert stored.startswith(f"{base}/?token=") and stored != link
        assert stored.partition("?token=")[2] != token
        assert runtime.stat().st_mode & 0o777 == 0o600
        # the printed link signs a browser in once, with a session cookie
        first = open_link(link)
        assert first.status == 303 and first.getheader("Location") == "/"
        cookie = first.getheader("Set-Cookie")
        assert cookie.startswith(f"photolot_{urlsplit(base).port}=")
        assert token not in cookie and ticket not in cookie
        assert open_link(link).status == 401
        assert open_link(stored).status == 303  # the runtime file's link is its own
        request = urllib.request.Request(
            f"{base}/api/batches", headers={"Authorization": f"Bearer {token}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
        proc.send_signal(stop_with)
        assert proc.wait(timeout=10) == 0, proc.stderr.read()
        assert not runtime.exists()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
        proc.stderr.close()


def test_process_and_photolot_path_hand_over_to_the_running_headless(data_dir, tmp_path):
    """Single instance: a second PhotoLot on the data dir gives its paths to the running one
    through its API (token read from the data dir) and follows the batch on its stream."""
    from tests.helpers import make_photo

    make_photo(tmp_path / "drop" / "Cuisine" / "a.jpg", 1)
    make_photo(tmp_path / "drop" / "Chambre" / "b.jpg", 2)
    (tmp_path / "drop" / "notes.jpg").write_text("not a picture")
    running = subprocess.Popen(
        [sys.executable, str(MAIN), "--headless", "--port", "0", "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        ready = running.stdout.readline().strip()
        assert ready.startswith("PhotoLot ready: "), ready + running.stderr.read()
        base = ready.removeprefix("PhotoLot ready: ").rstrip("/")

        def second(*args: str) -> subprocess.CompletedProcess:
            return subprocess.run(
                [sys.executable, str(MAIN), *args, "--data-dir", str(data_dir)],
                capture_output=True,
                text=True,
                timeout=120,
                cwd=tmp_path,  # relative paths are the caller's
                env={**os.environ, "LANG": "en_US.UTF-8"},
            )

        report = tmp_path / "report.pdf"
        done = second("process", "drop", "--pdf", str(report), "--json")
        assert done.returncode == 0, done.stderr
        assert f"PhotoLot already runs on this data dir ({base}/)" in done.stderr
        assert "100%" in done.stderr and "COMPLETED" in done.stderr
        assert "skipped" in done.stderr and "notes.jpg" in done.stderr  # not a photo
        assert "Cuisine (1 photo)" in done.stderr and "Chambre (1 photo)" in done.stderr
        import json

        snap = json.loads(done.stdout)
        assert snap["status"] == "COMPLETED" and snap["counts"]["total"] == 2
        assert report.read_bytes().startswith(b"%PDF")

        alone = second("process", "drop/notes.jpg")
        assert alone.returncode == 3, alone.stderr  # FAILED, as without a running PhotoLot

        nothing = second("process", "drop/Cuisine/missing.jpg")
        assert nothing.returncode == 2, nothing.stderr

        windowless = second("drop/Chambre")  # `photolot PATH`: no window, it is headless
        assert windowless.returncode == 0, windowless.stderr
        assert "COMPLETED" in windowless.stderr and "Chambre (1 photo)" in windowless.stderr
        link = second()
        assert link.returncode == 0, link.stderr
        assert f"Open in your browser: {base}/?token=" in link.stderr
        assert running.poll() is None  # the running one is untouched
    finally:
        running.send_signal(signal.SIGTERM)
        running.communicate(timeout=30)
