"""POST /api/batches/{id}/reanalyze on a real server and core, whose real VisionAnalyzer asks
a loopback model server: bad bodies, unknown batches, nothing to do, and a following stream
that sees the photos queued again, then done with the model's items."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import wait_until_final
from tests.model_helpers import ModelServer, drop, labels, vision_core

pytest_plugins = ["tests.test_server_support"]


@pytest.fixture
def idle_core(data_dir: Path, model: ModelServer):
    """The harness's core: not started, its analyzer asking `model`."""
    service = vision_core(data_dir, model)
    yield service
    assert service.stop(timeout=30), "workers did not stop"


def error_code(body: dict) -> str:
    assert body["error"]["message"], body
    return body["error"]["code"]


async def finished(harness, folder: Path) -> int:
    batch_id = await harness.create_batch([folder])
    harness.core.start()
    wait_until_final(harness.core, batch_id)
    return batch_id


async def test_the_photos_the_model_missed_go_round_again_on_every_stream(harness, model, tmp_path):
    batch_id = await finished(harness, drop(tmp_path / "drop", 2))
    stream = await harness.open_stream(batch_id, params={"follow": "1"})
    first = (await stream.next()).json()
    assert {tuple(p["flags"]) for p in first["photos"]} == {("model_bad_answer",)}
    assert (await stream.next()).type == "complete"

    model.answer = "good"
    response = await harness.post(f"/api/batches/{batch_id}/reanalyze", json={"modelNotices": True})
    assert response.status == 200, await response.text()
    answer = await response.json()
    ids = [p["id"] for p in first["photos"]]
    assert answer == {"requeued": ids, "skipped": [], "paused": False}

    queued = await stream.until(lambda e: e.type == "progress")
    assert queued.json()["status"] == "QUEUED"
    assert {p["status"] for p in queued.json()["photos"]} == {"PENDING"}
    done: dict[int, dict] = {}
    while len(done) < 2:
        event = await stream.until(lambda e: e.type == "progress")
        done.update({p["id"]: p for p in event.json()["photos"] if p["status"] == "DONE"})
    assert event.json()["status"] == "COMPLETED"
    for photo in done.values():
        assert photo["flags"] == [] and labels(photo) == {
            "sofa": (1, "model"),
            "wardrobe": (2, "model"),
        }
    assert not stream.eof  # a following stream stays open, as after a correction

    again = await harness.post(f"/api/batches/{batch_id}/reanalyze", json={"modelNotices": True})
    assert again.status == 409 and error_code(await again.json()) == "nothing_to_reanalyse"


async def test_bad_requests_are_400_404_409_and_change_nothing(harness, model, tmp_path):
    batch_id = await harness.create_batch([drop(tmp_path / "drop", 1)])
    other = await harness.create_batch([drop(tmp_path / "other", 1)])
    photo = (await (await harness.get(f"/api/batches/{batch_id}")).json())["photos"][0]["id"]
    other_photo = (await (await harness.get(f"/api/batches/{other}")).json())["photos"][0]["id"]
    path = f"/api/batches/{batch_id}/reanalyze"
    # not analysed yet (the workers have not started): nothing to analyse again
    response = await harness.post(path, json={"photoIds": [photo]})
    assert response.status == 409
    body = await response.json()
    assert error_code(body) == "nothing_to_reanalyse"
    assert [(s["photoId"], s["reason"]) for s in body["error"]["skipped"]] == [(photo, "queued")]
    harness.core.start()
    wait_until_final(harness.core, batch_id)
    wait_until_final(harness.core, other)
    head = harness.journal_ids(batch_id)

    for body, status, code in [
        ({}, 400, "bad_request"),
        ({"modelNotices": False}, 400, "bad_request"),
        ({"modelNotices": True, "photoIds": [photo]}, 400, "bad_request"),
        ({"photos": [photo]}, 400, "bad_request"),
        ({"photoIds": []}, 400, "bad_photo_ids"),
        ({"photoIds": ["1"]}, 400, "bad_photo_ids"),
        ({"photoIds": [True]}, 400, "bad_photo_ids"),
        ({"photoIds": [other_photo]}, 400, "photo_not_in_batch"),
        ([photo], 400, "bad_request"),
    ]:
        response = await harness.post(path, json=body)
        assert response.status == status, body
        assert error_code(await response.json()) == code, body
    response = await harness.post(
        path, data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status == 400 and error_code(await response.json()) == "bad_json"
    response = await harness.post("/api/batches/999/reanalyze", json={"modelNotices": True})
    assert response.status == 404 and error_code(await response.json()) == "batch_not_found"
    assert harness.journal_ids(batch_id) == head  # nothing was written

    response = await harness.post(path, json={"photoIds": [photo]})
    assert response.status == 200
    assert (await response.json())["requeued"] == [photo]
    wait_until_final(harness.core, batch_id)
    unauthenticated = await harness.post(path, json={"photoIds": [photo]}, auth=False)
    assert unauthenticated.status == 401
