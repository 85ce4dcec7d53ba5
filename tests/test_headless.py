"""`photolot --headless`: ready line, one-time URL, runtime file; SIGTERM and Ctrl-C stop it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from desktopapp.runtime_file import runtime_file_for

MAIN = Path(__file__).resolve().parents[1] / "main.py"


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
        assert browser == f"Open in your browser: {base}/?token={token}"
        assert os.stat(data_dir / "token").st_mode & 0o777 == 0o600
        runtime = runtime_file_for(data_dir)
        assert runtime.read_text().strip() == f"{base}/?token={token}"
        assert runtime.stat().st_mode & 0o777 == 0o600
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
