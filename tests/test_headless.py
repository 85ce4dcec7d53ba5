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
