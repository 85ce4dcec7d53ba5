"""Queue control over HTTP on a real server and core: pause, resume, cancel, front."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import wait_until_final
from tests.helpers import make_photos

pytest_plugins = ["tests.test_server_support"]


async def test_pause_resume_cancel_front_over_http_and_on_the_stream(harness, tmp_path: Path):
    batch_id = await harness.create_batch(make_photos(tmp_path / "drop", 8))
    stream = await harness.open_stream(batch_id, params={"follow": "1"})
    await stream.next()  # the snapshot (workers not started: QUEUED)
    base = f"/api/batches/{batch_id}"
    for _ in range(2):  # pausing twice is fine
        response = await harness.post(f"{base}/pause")
        assert response.status == 200 and await response.json() == {"status": "PAUSED"}
    event = await stream.until(lambda e: e.type == "progress")
    assert event.json()["status"] == "PAUSED"
    harness.core.start()  # nothing starts: the batch is paused
    assert (await (await harness.get(base)).json())["status"] == "PAUSED"
    response = await harness.post(f"{base}/front")
    assert response.status == 200 and (await response.json())["priority"] >= 1
    response = await harness.post(f"{base}/resume")
    assert response.status == 200
    final = wait_until_final(harness.core, batch_id)
    assert final["status"] == "COMPLETED"
    for action in ("pause", "resume", "cancel", "front"):
        response = await harness.post(f"{base}/{action}")
        assert response.status == 409, action
        assert (await response.json())["error"]["code"] == "batch_final"
    response = await harness.post("/api/batches/999999/pause")
    assert response.status == 404


async def test_cancel_over_http(harness, tmp_path: Path):
    batch_id = await harness.create_batch(make_photos(tmp_path / "drop", 5))
    response = await harness.post(f"/api/batches/{batch_id}/cancel")
    assert response.status == 200 and await response.json() == {"cancelled": 5}
    state = await (await harness.get(f"/api/batches/{batch_id}")).json()
    assert state["status"] == "CANCELLED"
    assert state["counts"] == {
        "queued": 0,
        "processing": 0,
        "completed": 0,
        "failed": 0,
        "total": 5,
        "cancelled": 5,
    }
    response = await harness.post(f"/api/batches/{batch_id}/cancel")
    assert await response.json() == {"cancelled": 0}  # idempotent
