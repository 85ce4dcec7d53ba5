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


async def test_the_dashboard_its_stream_a_batchs_photos_and_clean(harness, tmp_path: Path):
    from tests.test_server_support import StreamReader

    response = await harness.get("/api/queue/stream")
    assert response.status == 200 and response.content_type == "text/event-stream"
    stream = StreamReader(response)
    first = await stream.until(lambda e: e.type == "queue")
    # a team counts the workers that announced themselves: none before this core starts
    before = 0 if harness.core.settings.team else 2
    assert first.json()["batches"] == [] and first.json()["workers"]["count"] == before
    batch_id = await harness.create_batch(make_photos(tmp_path / "drop", 6))
    event = await stream.until(
        lambda e: e.type == "queue" and [b["batchId"] for b in e.json()["batches"]] == [batch_id]
    )
    assert event.json()["batches"][0]["status"] == "QUEUED"
    harness.core.start()
    wait_until_final(harness.core, batch_id)
    done = await stream.until(
        lambda e: e.type == "queue" and e.json()["batches"][0]["status"] == "COMPLETED"
    )
    row = done.json()["batches"][0]
    assert row["counts"]["completed"] == 6 and row["eta_s"] is None
    assert row["processing"]["p50"] > 0 and row["processing"]["p95"] >= row["processing"]["p50"]
    assert row["wait"]["p50"] is not None and row["throughput"]["lastMinute"] == 6
    assert done.json()["throughput"]["lastMinute"] >= 6
    assert done.json()["workers"]["count"] == 2  # its two threads, on either back-end

    photos = await (await harness.get(f"/api/queue/batches/{batch_id}")).json()
    assert len(photos["photos"]) == 6
    for photo in photos["photos"]:
        assert photo["status"] == "DONE" and photo["attempts"] == 1
        timings = photo["timings"]
        assert {"wait", "copy", "decode", "detect", "write", "total"} <= set(timings)
        assert timings["total"] >= timings["copy"] + timings["decode"] > 0
    assert (await harness.get("/api/queue/batches/424242")).status == 404

    response = await harness.post("/api/queue/clean", json={"olderThanDays": -1})
    assert response.status == 400
    response = await harness.post("/api/queue/clean", json={"olderThanDays": 0})
    assert await response.json() == {"deleted": 1}
    await stream.until(lambda e: e.type == "queue" and e.json()["batches"] == [])


async def test_eta_counts_the_batches_ahead(harness, tmp_path: Path):
    """Two batches queued: the second's ETA covers the first's photos too; a paused batch
    has none and is not counted ahead of the others."""
    first = await harness.create_batch(make_photos(tmp_path / "a", 4))
    second = await harness.create_batch(make_photos(tmp_path / "b", 4, prefix="b"))
    dashboard = harness.core.queue_dashboard()
    assert [b["batchId"] for b in dashboard["batches"]] == [first, second]
    assert all(b["eta_s"] is None for b in dashboard["batches"])  # no rate known yet
    harness.core.queue_control.pause(first)
    dashboard = harness.core.queue_dashboard()
    assert dashboard["batches"][0]["status"] == "PAUSED"
