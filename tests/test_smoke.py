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


def smoke(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    import os

    return subprocess.run(
        [sys.executable, str(MAIN), "smoke", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
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


@pytest.mark.parametrize("how", ["data_dir", "token_file", "env"])
def test_smoke_against_a_running_app_without_the_token_in_its_arguments(running, data_dir, how):
    """The full-rights token never has to be in a command line (other users read those in
    /proc): it comes from the data dir's file, --token-file, or PHOTOLOT_TOKEN."""
    args = {
        "data_dir": ["--data-dir", str(data_dir)],
        "token_file": ["--token-file", str(data_dir / "token")],
        "env": [],
    }[how]
    env = {"PHOTOLOT_TOKEN": running.token} if how == "env" else None
    done = smoke("--url", running.base_url, *args, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1] == "SUCCESS"
    assert running.token not in " ".join(args)


def test_smoke_with_a_url_and_no_token_anywhere_is_a_usage_error(running, tmp_path):
    done = smoke("--url", running.base_url, "--data-dir", str(tmp_path / "empty"))
    assert done.returncode == 2
    assert "--token-file" in done.stderr


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
