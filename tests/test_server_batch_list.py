"""The live batch list (`GET /api/batches/stream`) and the same-files lookup, on a real core."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import wait_until_final
from tests.helpers import make_photo
from tests.test_server_support import StreamReader

pytest_plugins = ["tests.test_server_support"]


def ids(event) -> list[int]:
    return [batch["batchId"] for batch in event.json()["batches"]]


async def test_the_list_follows_new_renamed_finished_and_deleted_batches(harness, tmp_path: Path):
    make_photo(tmp_path / "Salon" / "a.jpg", 1)
    response = await harness.get("/api/batches/stream")
    assert response.status == 200
    assert response.content_type == "text/event-stream"
    stream = StreamReader(response)
    first = await stream.until(lambda e: e.type == "batches")
    assert ids(first) == []

    batch_id = await harness.create_batch([tmp_path / "Salon"])
    created = await stream.until(lambda e: e.type == "batches" and ids(e) == [batch_id])
    assert created.json()["batches"][0]["status"] == "QUEUED"
    harness.core.start()
    await stream.until(
        lambda e: e.type == "batches" and e.json()["batches"][0]["status"] == "COMPLETED"
    )
    harness.core.correct(batch_id, "batch.rename", {"name": "Durand"})
    await stream.until(lambda e: e.type == "batches" and e.json()["batches"][0]["name"] == "Durand")
    harness.core.delete_batch(batch_id)
    await stream.until(lambda e: e.type == "batches" and ids(e) == [])


async def test_the_list_stream_checks_origin_and_credentials(harness):
    response = await harness.get("/api/batches/stream", auth=False)
    assert response.status == 401
    session = await harness.sign_in()
    response = await harness.get(
        "/api/batches/stream",
        auth=False,
        headers=harness.browser_headers(session, Origin="http://evil.example"),
    )
    assert response.status == 403


async def test_lookup_finds_the_batch_made_of_the_same_files(harness, tmp_path: Path):
    make_photo(tmp_path / "drop" / "Salon" / "a.jpg", 1)
    make_photo(tmp_path / "drop" / "Cuisine" / "b.jpg", 2)
    drop = str(tmp_path / "drop")
    response = await harness.post("/api/batches/lookup", json={"paths": [drop]})
    assert await response.json() == {"batchId": None, "photosCount": 0}
    batch_id = await harness.create_batch([tmp_path / "drop"])
    harness.core.start()
    wait_until_final(harness.core, batch_id)
    for paths in (
        [drop],
        [str(tmp_path / "drop" / "Salon" / "a.jpg"), str(tmp_path / "drop" / "Cuisine")],
    ):
        response = await harness.post("/api/batches/lookup", json={"paths": paths})
        assert await response.json() == {"batchId": batch_id, "photosCount": 2}
    part = await harness.post("/api/batches/lookup", json={"paths": [drop + "/Salon"]})
    assert (await part.json())["batchId"] is None  # a part of it is another drop
    session = await harness.sign_in()
    origin = f"http://127.0.0.1:{harness.port}"
    response = await harness.post(
        "/api/batches/lookup",
        json={"paths": [drop]},
        auth=False,
        headers=harness.browser_headers(session, Origin=origin),
    )
    assert response.status == 403  # it reads local paths: programs only
