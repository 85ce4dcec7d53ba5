"""The review API on a real server and core: corrections over REST, their stream events, errors,
undo/redo, deleting a batch, the catalogue search."""

from __future__ import annotations

import time
from pathlib import Path

from desktopapp.core import journal
from tests.conftest import wait_until_final
from tests.helpers import make_photo

pytest_plugins = ["tests.test_server_support"]

SALON = {"roomType": "living_room", "roomName": "Salon"}


def make_drop(folder: Path) -> Path:
    for seed, (room, name) in enumerate(
        [("Salon", "a.jpg"), ("Salon", "b.jpg"), ("Cuisine", "c.jpg")]
    ):
        (folder / room).mkdir(parents=True, exist_ok=True)
        make_photo(folder / room / name, seed)
    return folder


async def finished_batch(harness, tmp_path: Path) -> int:
    batch_id = await harness.create_batch([make_drop(tmp_path / "drop")])
    harness.core.start()
    wait_until_final(harness.core, batch_id)
    return batch_id


def error_code(body: dict) -> str:
    assert set(body) == {"error"} and body["error"]["message"], body
    return body["error"]["code"]


async def test_a_correction_reaches_a_following_stream_of_a_finished_batch(harness, tmp_path):
    batch_id = await finished_batch(harness, tmp_path)
    stream = await harness.open_stream(batch_id, params={"follow": "1"})
    snapshot = await stream.next()
    assert snapshot.json()["snapshot"] is True
    complete = await stream.next()
    assert complete.type == "complete"  # the batch is final, yet the stream stays open

    started = time.perf_counter()
    response = await harness.post(
        f"/api/batches/{batch_id}/corrections",
        json={"kind": "room.rename", "room": SALON, "name": "Séjour"},
    )
    assert response.status == 201
    answer = await response.json()
    event = await stream.until(lambda e: e.type == "progress")
    delay_ms = (time.perf_counter() - started) * 1000
    print(f"correction → stream event: {delay_ms:.1f} ms")
    data = event.json()
    assert event.id == journal.head_id(batch_id)
    assert {p["roomName"] for p in data["photos"]} == {"Séjour"}
    assert data["inventorySummary"] == answer["inventorySummary"]
    assert data["review"] == answer["review"] and data["review"]["undo"]["kind"] == "room.rename"
    assert "snapshot" not in data and data["status"] == "COMPLETED"

    response = await harness.post(f"/api/batches/{batch_id}/undo")
    assert response.status == 200
    event = await stream.until(lambda e: e.type == "progress")
    assert {p["roomName"] for p in event.json()["photos"]} == {"Salon"}
    assert event.json()["review"]["redo"]["kind"] == "room.rename"
    assert not stream.eof


async def test_a_stream_without_follow_still_ends_at_complete(harness, tmp_path):
    batch_id = await finished_batch(harness, tmp_path)
    stream = await harness.open_stream(batch_id)
    events = await stream.rest()
    assert [e.type for e in events] == ["progress", "complete"] and stream.eof


async def test_bad_corrections_are_400_and_store_nothing(harness, tmp_path):
    batch_id = await finished_batch(harness, tmp_path)
    head = journal.head_id(batch_id)
    path = f"/api/batches/{batch_id}/corrections"
    cases = [
        (
            {"kind": "room.item", "room": SALON, "label": "unicorn", "quantity": 1},
            400,
            "unknown_item",
        ),
        (
            {"kind": "room.item", "room": SALON, "label": "sofa", "quantity": -2},
            400,
            "bad_quantity",
        ),
        (
            {"kind": "room.item", "room": SALON, "label": "sofa", "quantity": 5000},
            400,
            "bad_quantity",
        ),
        ({"kind": "room.rename", "room": SALON, "name": "n" * 10_240}, 400, "text_too_long"),
        (
            {"kind": "room.rename", "room": {"roomType": "attic", "roomName": None}, "name": "x"},
            404,
            "room_not_found",
        ),
        ({"kind": "nonsense"}, 400, "bad_kind"),
        ({"room": SALON}, 400, "bad_kind"),
    ]
    for body, status, code in cases:
        response = await harness.post(path, json=body)
        assert response.status == status, body
        assert error_code(await response.json()) == code
    response = await harness.post(
        path, data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status == 400 and error_code(await response.json()) == "bad_json"
    response = await harness.post(path, json=["a list"])
    assert response.status == 400
    response = await harness.post(
        "/api/batches/424242/corrections", json={"kind": "batch.rename", "name": "x"}
    )
    assert response.status == 404 and error_code(await response.json()) == "batch_not_found"
    response = await harness.post(f"/api/batches/{batch_id}/undo")
    assert response.status == 409 and error_code(await response.json()) == "nothing_to_undo"
    response = await harness.post(f"/api/batches/{batch_id}/redo")
    assert response.status == 409 and error_code(await response.json()) == "nothing_to_redo"
    assert journal.head_id(batch_id) == head  # nothing stored, nothing sent


async def test_a_browser_session_corrects_but_a_foreign_origin_cannot(harness, tmp_path):
    batch_id = await finished_batch(harness, tmp_path)
    session = await harness.sign_in()
    origin = f"http://127.0.0.1:{harness.port}"
    body = {"kind": "batch.rename", "name": "Durand"}
    response = await harness.post(
        f"/api/batches/{batch_id}/corrections",
        json=body,
        auth=False,
        headers=harness.browser_headers(session, Origin="http://evil.example"),
    )
    assert response.status == 403
    response = await harness.post(
        f"/api/batches/{batch_id}/corrections",
        json=body,
        auth=False,
        headers=harness.browser_headers(session, Origin=origin),
    )
    assert response.status == 201
    assert harness.core.snapshot(batch_id)["review"]["name"] == "Durand"


async def test_delete_a_batch_then_it_is_gone_everywhere(harness, tmp_path):
    batch_id = await finished_batch(harness, tmp_path)
    stream = await harness.open_stream(batch_id, params={"follow": "1"})
    await stream.until(lambda e: e.type == "complete")
    response = await harness.request("DELETE", f"/api/batches/{batch_id}")
    assert response.status == 200
    assert await response.json() == {"deleted": batch_id, "photos": 3, "filesRemoved": 6}
    error = await stream.until(lambda e: e.type == "error")
    assert error.json()["code"] == "batch_not_found"
    response = await harness.get(f"/api/batches/{batch_id}")
    assert response.status == 404
    listing = await (await harness.get("/api/batches")).json()
    assert batch_id not in [b["batchId"] for b in listing["batches"]]
    response = await harness.request("DELETE", f"/api/batches/{batch_id}")
    assert response.status == 404


async def test_catalogue_search_in_french_and_english(harness):
    found = await (await harness.get("/api/catalogue", params={"q": "chaise"})).json()
    assert "chair" in [item["label"] for item in found["items"]]
    found = await (await harness.get("/api/catalogue", params={"q": "wardrobe"})).json()
    wardrobe = next(item for item in found["items"] if item["label"] == "wardrobe")
    assert wardrobe["fr"].startswith("Armoire") and wardrobe["unitVolume_m3"] == 1.416
    everything = await (await harness.get("/api/catalogue", params={"limit": "200"})).json()
    assert len(everything["items"]) == len(harness.core.catalogue)
    for params in ({"limit": "0"}, {"limit": "x"}, {"q": "q" * 101}):
        response = await harness.get("/api/catalogue", params=params)
        assert response.status == 400
