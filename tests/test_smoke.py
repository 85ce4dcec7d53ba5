"""`photolot smoke`, on its own temp app and against a running one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from desktopapp.app import LocalServices
from desktopapp.commands.smoke import compare
from desktopapp.platform.settings import Settings

MAIN = Path(__file__).resolve().parents[1] / "main.py"


def smoke(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(MAIN), "smoke", *args], capture_output=True, text=True, timeout=120
    )


def test_smoke_on_its_own_headless_app():
    done = smoke()
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1] == "SUCCESS"
    assert "  ✓ complete received (COMPLETED)" in lines
    assert any(line.startswith("  ✓ REST and SSE agree: COMPLETED 100%") for line in lines)
    assert any(line.startswith("Duration ") and line.endswith(" events") for line in lines)


@pytest.fixture
def running(data_dir):
    services = LocalServices(Settings(data_dir=data_dir, port=0, workers=2)).start()
    yield services
    services.stop()


def test_smoke_against_a_running_app(running):
    done = smoke("--url", running.base_url, "--token", running.token)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1] == "SUCCESS"


def test_smoke_fails_loudly_with_a_wrong_token(running):
    done = smoke("--url", running.base_url, "--token", "x" * 43)
    assert done.returncode == 1
    assert "FAILURE" in done.stdout and "401" in done.stdout


def test_compare_reports_every_disagreement():
    rest = {
        "status": "COMPLETED",
        "progress": 100,
        "counts": {"total": 1},
        "photos": [
            {
                "id": 1,
                "status": "DONE",
                "roomType": "bedroom",
                "errorCode": None,
                "fileName": "a.jpg",
            }
        ],
    }
    assert compare(rest, rest) == []
    sse = {**rest, "progress": 50, "photos": [{**rest["photos"][0], "status": "PROCESSING"}]}
    assert compare(rest, sse) == ["progress: REST 100 ≠ SSE 50", "photo 1 status differs"]


def test_self_test_prints_one_verdict_line():
    done = subprocess.run(
        [sys.executable, str(MAIN), "--self-test"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (line,) = done.stdout.splitlines()
    assert "self-test: OK" in line and "4 photos" in line and "REST = SSE" in line
    assert "sofa found" in line  # the bundled detector ran on the real sample photo
