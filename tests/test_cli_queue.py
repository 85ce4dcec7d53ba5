"""`python main.py queue …`: the table from the database, live from a running PhotoLot
(`--watch` on /api/queue/stream), and pause / resume / cancel through its API."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from desktopapp.commands.queue import duration, render
from desktopapp.commands.remote import RemoteClient
from desktopapp.platform.paths import DataPaths
from tests.conftest import wait_until_final
from tests.helpers import make_photos

MAIN = Path(__file__).resolve().parents[1] / "main.py"


def english() -> dict[str, str]:
    """The environment now (the fixtures' per-test dirs), in English."""
    return {**os.environ, "LANG": "en_US.UTF-8"}


def run(*args: str, data_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(MAIN), "queue", *args, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        env=english(),
    )


def batch_line(output: str, batch_id: int) -> str:
    lines = [line for line in output.splitlines() if line.split()[:1] == [str(batch_id)]]
    assert len(lines) == 1, output
    return lines[0]


@pytest.fixture
def finished_batch(data_dir: Path, tmp_path: Path) -> int:
    from desktopapp.core.services import Core
    from desktopapp.platform.settings import Settings

    core = Core(Settings(data_dir=data_dir, workers=2, analyzer="names"))
    core.start()
    try:
        batch_id = core.create_batch(make_photos(tmp_path / "drop", 3)).batch_id
        assert wait_until_final(core, batch_id)["status"] == "COMPLETED"
    finally:
        assert core.stop(timeout=30)
    return batch_id


def test_queue_prints_the_table_from_the_database(data_dir, finished_batch):
    done = run(data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    assert "STATUS" in done.stdout and "ETA" in done.stdout and "WAIT p50/p95" in done.stdout
    line = batch_line(done.stdout, finished_batch)
    assert "COMPLETED" in line and "3/3" in line
    assert "Workers: none (PhotoLot is not running on this data dir)" in done.stdout
    french = run("--lang", "fr", data_dir=data_dir)
    assert "TERMINÉ" in batch_line(french.stdout, finished_batch)
    # actions straight on the database: a finished batch cannot be paused
    final = run("pause", str(finished_batch), data_dir=data_dir)
    assert final.returncode == 1 and "has finished" in final.stderr
    missing = run("resume", "999", data_dir=data_dir)
    assert missing.returncode == 1 and "There is no batch 999" in missing.stderr
    assert run("--watch", data_dir=data_dir).returncode == 1  # nothing runs: nothing to watch


class Headless:
    """`main.py --headless` on a data dir, with its API client (token from the data dir)."""

    def __init__(self, data_dir: Path, workers: int) -> None:
        command = [sys.executable, str(MAIN), "--headless", "--port", "0", "--workers"]
        self.proc = subprocess.Popen(
            [*command, str(workers), "--data-dir", str(data_dir)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        ready = self.proc.stdout.readline().strip()
        assert ready.startswith("PhotoLot ready: "), ready + self.proc.stderr.read()
        self.client = RemoteClient.for_data_dir(DataPaths(data_dir))
        assert self.client is not None

    def create_batch(self, paths: list[Path]) -> int:
        body = {"paths": [str(path) for path in paths]}
        return self.client.request("POST", "/api/batches", body)["batchId"]

    def until_complete(self, batch_id: int) -> None:
        for event in self.client.stream(batch_id):
            if event.type == "complete":
                return

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.stdout.close()
            self.proc.stderr.close()


@pytest.fixture
def headless(data_dir):
    running = []
    yield lambda workers=2: running.append(Headless(data_dir, workers)) or running[-1]
    for instance in running:
        instance.stop()


class Lines:
    """A subprocess's stdout, line by line, with a deadline (a thread reads it)."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.lines: queue.Queue[str | None] = queue.Queue()

        def pump() -> None:
            for line in proc.stdout:
                self.lines.put(line.rstrip("\n"))
            self.lines.put(None)

        threading.Thread(target=pump, daemon=True).start()

    def until(self, predicate, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            assert line is not None, "the output ended"
            if predicate(line):
                return line


def test_watch_shows_a_batch_appear_and_complete_live(data_dir, tmp_path, headless):
    running = headless()
    watch = subprocess.Popen(
        [sys.executable, str(MAIN), "queue", "--watch", "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=english(),
    )
    try:
        lines = Lines(watch)
        lines.until(lambda line: line == "No batches.")  # the first table: an empty queue
        lines.until(lambda line: line.startswith("Workers: 2,"))
        batch_id = running.create_batch(make_photos(tmp_path / "drop", 6))
        mine = lambda line: line.split()[:1] == [str(batch_id)]  # noqa: E731
        first = lines.until(mine)
        assert any(status in first for status in ("QUEUED", "PROCESSING", "COMPLETED"))
        done = lines.until(lambda line: mine(line) and "COMPLETED" in line)
        assert "6/6" in done
        watch.terminate()
        assert watch.wait(timeout=20) != 0
    finally:
        if watch.poll() is None:
            watch.kill()
        watch.wait(timeout=20)
        watch.stdout.close()
        watch.stderr.close()


def test_actions_through_the_running_photolot(data_dir, tmp_path, headless):
    running = headless(workers=1)
    # a long batch ahead keeps the second one waiting while the CLI acts on it
    ahead = running.create_batch(make_photos(tmp_path / "ahead", 150, prefix="ahead"))
    behind = running.create_batch(make_photos(tmp_path / "behind", 4, prefix="behind"))
    paused = run("pause", str(behind), data_dir=data_dir)
    assert paused.returncode == 0, paused.stderr
    assert paused.stdout.strip() == f"Batch {behind}: PAUSED"
    table = run(data_dir=data_dir)
    assert "PAUSED" in batch_line(table.stdout, behind)
    assert "Workers: 1," in table.stdout  # the running instance's workers
    front = run("front", str(behind), data_dir=data_dir)
    assert front.returncode == 0 and "moved to the front" in front.stdout
    cancelled = run("cancel", str(ahead), data_dir=data_dir)
    assert cancelled.returncode == 0, cancelled.stderr
    assert "waiting photos cancelled" in cancelled.stdout
    resumed = run("resume", str(behind), data_dir=data_dir)
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.startswith(f"Batch {behind} resumed: ")
    running.until_complete(behind)
    state = running.client.request("GET", f"/api/batches/{behind}")
    assert state["status"] == "COMPLETED"
    final = run("pause", str(behind), data_dir=data_dir)  # 409 batch_final
    assert final.returncode == 1
    assert final.stderr.strip() == f"photolot: Batch {behind} has finished: it cannot be paused."
    again = run("cancel", str(ahead), data_dir=data_dir)  # cancelling twice: 0, not an error
    assert again.returncode == 0 and f"Batch {ahead}: 0 waiting photos" in again.stdout


def test_render_and_durations():
    assert [duration(s) for s in (None, 4.4, 185, 3720)] == ["—", "4 s", "3 min 05 s", "1 h 02 min"]
    board = {
        "generatedAt": 0,
        "batches": [
            {
                "batchId": 7,
                "name": "Maison",
                "project": "Default",
                "status": "PAUSED",
                "counts": {"completed": 2, "failed": 1, "total": 9, "queued": 6, "processing": 0},
                "throughput": {"lastMinute": 3, "perMinute": 12.5},
                "eta_s": None,
                "wait": {"p50": 0.05, "p95": 1.5},
                "processing": {"p50": None, "p95": None},
            }
        ],
        "workers": {
            "count": 2,
            "busy": [
                {"worker": "w1", "batchId": 7, "fileName": "a.jpg", "stage": "decode", "seconds": 1}
            ],
        },
        "throughput": {"lastMinute": 3, "perSecond": 0.05},
    }
    text = render(json.loads(json.dumps(board)), "fr")
    line = batch_line(text, 7)
    assert line.split()[:3] == ["7", "Maison", "EN"] and "2/9" in line and "12.5" in line
    assert "50 ms / 1.5 s" in line
    assert "w1: batch 7 a.jpg — decode (1.0 s)" in text
