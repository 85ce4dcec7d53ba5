"""The batch page's review in a real browser: Debian's Chromium driven by Playwright.

End to end (real Core with the "names" analyzer, so rooms come from folder names and no
detector runs; real ServerThread): rooms named from the folders Salon/ and Cuisine/;
renaming a room, adding a catalogue item found by a French word, its quantity and a
flag, each checked against `core.snapshot` with volumes computed by hand from
resources/inventory/catalogue.json and the packing rules (inventory/packing.py);
excluding a photo, moving photos to another room, the move header kept across a reload,
undo / redo (buttons and Ctrl+Z), text typed with HTML shown literally, a refused
quantity (400) said on the page with nothing changed, deleting the batch.

Client logic against a scripted stream (`FakeOrigin`): a corrected running batch shows
the server's summary, an uncorrected one the live view, which leaves out excluded photos.

No sleeps: Playwright's auto-waiting assertions and `wait_for_function`.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.browser_helpers import (
    ARTIFACTS,
    BROWSER_MARKS,
    FakeOrigin,
    LiveServer,
    collect_console_errors,
    live_server,
    new_page,
    photo,
    playwright_expect,
    sse,
    state_payload,
    stream_reply,
)
from tests.conftest import REPO, wait_until_final
from tests.helpers import make_photo

expect = playwright_expect()

pytestmark = BROWSER_MARKS

DOCS = REPO / "docs"
CATALOGUE = json.loads((REPO / "resources" / "inventory" / "catalogue.json").read_text())


def catalogue_item(key: str) -> dict[str, Any]:
    return next(item for item in CATALOGUE["items"] if item["key"] == key)


# ---- fixtures ------------------------------------------------------------------------------


@pytest.fixture
def live(data_dir: Path) -> Iterator[LiveServer]:
    """A started Core that names rooms from folders (no detector), and the real server."""
    from desktopapp.core.services import Core
    from desktopapp.platform.settings import Settings

    core = Core(Settings(data_dir=data_dir, workers=2, analyzer="names"))
    core.start()
    with live_server(core) as server:
        yield server


def make_batch(live: LiveServer, root: Path, folders: dict[str, int]) -> int:
    """A finished batch of `folders` ({"Salon": 2, ...}: photos per folder)."""
    seed = 0
    for folder, count in folders.items():
        for i in range(count):
            seed += 1
            make_photo(root / folder / f"{folder.lower()}-{i + 1}.jpg", seed=seed, size=(320, 240))
    batch_id = live.core.create_batch([root]).batch_id
    wait_until_final(live.core, batch_id)
    return batch_id


def rooms_of(snapshot: dict[str, Any]) -> dict[str | None, dict[str, Any]]:
    return {room["roomName"]: room for room in snapshot["inventorySummary"]["rooms"]}


def group(page: Any, name: str) -> Any:
    """The inventory table's <tbody> of the room shown as `name`."""
    return page.locator("#rooms-table tbody.room-group").filter(
        has=page.locator(".room-name", has_text=re.compile("^" + re.escape(name) + "$"))
    )


def open_batch(browser: Any, live: LiveServer, batch_id: int, locale: str = "fr-FR") -> Any:
    page = new_page(browser, locale)
    page.goto(live.entry_url(f"/batches/{batch_id}"))
    expect(page.locator("#conn")).to_have_attribute("data-state", "finished")
    expect(page.locator("#summary")).to_be_visible()
    return page


def rename_room(page: Any, old: str, new: str) -> None:
    room = group(page, old)
    room.locator(".room-rename").click()
    field = page.locator(".room-rename-form input")
    expect(field).to_be_focused()
    field.fill(new)
    field.press("Enter")


def add_item(page: Any, room_name: str, query: str, pick: str) -> None:
    room = group(page, room_name)
    room.locator(".add-item-open").click()
    search = room.locator(".catalogue-search")
    expect(search).to_be_focused()
    search.fill(query)
    room.locator(".catalogue-result", has_text=pick).first.click()


# ---- end to end ----------------------------------------------------------------------------


def test_rooms_items_quantities_flags_undo_redo_and_refusals(
    browser: Any, live: LiveServer, tmp_path: Path
) -> None:
    batch_id = make_batch(live, tmp_path / "photos", {"Salon": 2, "Cuisine": 2})
    page = open_batch(browser, live, batch_id)
    errors = collect_console_errors(page)

    # rooms named from the folders
    names = page.locator("#rooms-table tbody.room-group .room-name")
    expect(names).to_have_text(["Cuisine", "Salon"])
    undo, redo = page.locator("#undo"), page.locator("#redo")
    expect(undo).to_be_disabled()
    expect(redo).to_be_disabled()

    # rename a room: the summary (from the stream) and the core agree
    rename_room(page, "Salon", "Séjour")
    expect(names).to_have_text(["Cuisine", "Séjour"])
    assert set(rooms_of(live.core.snapshot(batch_id))) == {"Cuisine", "Séjour"}
    expect(undo).to_be_enabled()
    expect(undo).to_have_text("↶ Annuler : renommer la pièce")

    # a catalogue item found by its French name
    add_item(page, "Cuisine", "chaise", "Chaise")
    chair = group(page, "Cuisine").locator('tr.item-row[data-label="chair"]')
    expect(chair.locator(".item-label")).to_have_text("Chaise")
    expect(chair.locator(".tag-source")).to_have_text("ajouté à la main")
    expect(chair.locator(".qty-input")).to_have_value("1")

    # its quantity typed in: volumes by hand (chair: 0.142 m³, dismountable, not fragile;
    # above 0.06 m³ → ×1.05, dismountable → ×0.70)
    chair_entry = catalogue_item("chair")
    assert (chair_entry["volume_m3"], chair_entry["dismountable"]) == (0.142, True)
    assert chair_entry["fragile"] is False
    chair.locator(".qty-input").fill("4")
    chair.locator(".qty-input").press("Enter")
    expect(page.locator("#summary-items")).to_have_text("4")
    summary = live.core.snapshot(batch_id)["inventorySummary"]
    kitchen = rooms_of(live.core.snapshot(batch_id))["Cuisine"]
    assert kitchen["itemsCount"] == 4
    assert kitchen["volume_m3"] == pytest.approx(0.568, abs=1e-3)
    assert kitchen["packedVolume_m3"] == pytest.approx(0.142 * 4 * 1.05 * 0.70, abs=1e-3)
    assert summary["totalVolume"] == pytest.approx(0.568, abs=1e-3)
    expect(page.locator("#total-volume")).to_have_text("0,57")

    # the + button: one more
    chair.locator('.stepper-btn[data-step="1"]').click()
    expect(chair.locator(".qty-input")).to_have_value("5")
    assert rooms_of(live.core.snapshot(batch_id))["Cuisine"]["itemsCount"] == 5

    # a flag: fragile → ×2.0 (then ×0.70 dismountable)
    fragile = chair.locator('.flag-toggle[data-flag="fragile"]')
    expect(fragile).to_have_attribute("aria-pressed", "false")
    fragile.click()
    expect(fragile).to_have_attribute("aria-pressed", "true")
    kitchen = rooms_of(live.core.snapshot(batch_id))["Cuisine"]
    assert kitchen["items"][0]["fragile"] is True
    assert kitchen["packedVolume_m3"] == pytest.approx(0.142 * 5 * 2.0 * 0.70, abs=1e-3)
    expect(undo).to_have_text("↶ Annuler : modifier les options d'un objet")

    # not moving: sold → no volume, not counted
    chair.locator("select.not-moving").select_option("sold")
    expect(page.locator("#summary-items")).to_have_text("0")
    line = rooms_of(live.core.snapshot(batch_id))["Cuisine"]["items"][0]
    assert line["notMoving"] == "sold" and line["volume_m3"] == 0

    # undo (button) restores the previous state, redo re-applies it; Ctrl+Z as well
    undo.click()
    expect(page.locator("#summary-items")).to_have_text("5")
    expect(redo).to_have_text("↷ Rétablir : modifier les options d'un objet")
    assert rooms_of(live.core.snapshot(batch_id))["Cuisine"]["items"][0]["notMoving"] is None
    redo.click()
    expect(page.locator("#summary-items")).to_have_text("0")
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("Control+z")
    expect(page.locator("#summary-items")).to_have_text("5")
    page.keyboard.press("Control+Shift+z")
    expect(page.locator("#summary-items")).to_have_text("0")
    page.keyboard.press("Control+z")
    expect(page.locator("#summary-items")).to_have_text("5")

    # a refused quantity: the server's 400 is shown, nothing changes
    before = live.core.snapshot(batch_id)
    chair.locator(".qty-input").fill("1001")
    chair.locator(".qty-input").press("Enter")
    message = page.locator("#review-message")
    expect(message).to_be_visible()
    expect(message).to_contain_text("Modification refusée")
    expect(message).to_contain_text("1000")
    expect(chair.locator(".qty-input")).to_have_value("5")
    after = live.core.snapshot(batch_id)
    assert after["inventorySummary"] == before["inventorySummary"]
    assert after["review"] == before["review"]

    # HTML typed in a name shows literally
    rename_room(page, "Cuisine", "<b>x</b>")
    expect(names).to_have_text(["<b>x</b>", "Séjour"])
    expect(message).to_be_hidden()  # the next accepted change clears the refusal
    assert page.locator("#rooms-table b").count() == 0
    assert "<b>x</b>" in rooms_of(live.core.snapshot(batch_id))

    # undo the rename: the folder's name again; redo: the typed one
    undo.click()
    expect(names).to_have_text(["Cuisine", "Séjour"])
    redo.click()
    expect(names).to_have_text(["<b>x</b>", "Séjour"])

    # merge: the kitchen's chair moves into the living room
    merge = group(page, "<b>x</b>").locator("select.merge-room")
    merge.focus()  # lists the other rooms
    merge.select_option(label="Séjour · Salon")
    expect(names).to_have_text(["Séjour"])
    merged = rooms_of(live.core.snapshot(batch_id))["Séjour"]
    assert merged["photos"] == 4 and merged["itemsCount"] == 5
    # the refused request is in Chromium's network log, and nothing else
    assert [e for e in errors if "status of 400" not in e] == [], errors
    page.context.close()


def test_photos_excluded_and_moved_header_and_batch_name(
    browser: Any, live: LiveServer, tmp_path: Path
) -> None:
    batch_id = make_batch(live, tmp_path / "photos", {"Salon": 3, "Cuisine": 2})
    page = open_batch(browser, live, batch_id, "en-US")
    errors = collect_console_errors(page)
    rows = page.locator("#photo-list > li")
    expect(rows).to_have_count(5)
    salon = group(page, "Salon")
    expect(salon.locator(".room-row td").first).to_have_text("3")

    # exclude one photo: it looks excluded, and counts in no room
    first = page.locator("#photo-list > li", has_text="salon-1.jpg")
    first.locator(".photo-exclude").click()
    expect(first).to_have_class(re.compile(r"\bis-excluded\b"))
    expect(first.locator(".photo-exclude")).to_have_text("Include")
    expect(first.locator('.tag[data-flag="excluded"]')).to_have_text("Excluded from the inventory")
    expect(salon.locator(".room-row td").first).to_have_text("2")
    snap = live.core.snapshot(batch_id)
    assert rooms_of(snap)["Salon"]["photos"] == 2
    assert [p["excluded"] for p in snap["photos"] if p["fileName"] == "salon-1.jpg"] == [True]

    # pick two photos (click, then shift-click) and move them to a new room
    page.locator("#photo-list > li", has_text="cuisine-1.jpg").locator(".photo-check").click()
    page.locator("#photo-list > li", has_text="cuisine-2.jpg").locator(".photo-check").click(
        modifiers=["Shift"]
    )
    expect(page.locator("#selection-count")).to_have_text("2 photos selected")
    page.locator("#move-to").select_option(label="Dining room")
    page.locator("#move-apply").click()
    expect(page.locator("#selection-bar")).to_be_hidden()
    expect(page.locator("#rooms-table tbody.room-group .room-name")).to_have_text(
        ["Dining room", "Salon"]
    )
    moved = [p for p in live.core.snapshot(batch_id)["photos"] if p["roomType"] == "dining_room"]
    assert sorted(p["fileName"] for p in moved) == ["cuisine-1.jpg", "cuisine-2.jpg"]
    assert all(p["roomSource"] == "hand" and p["roomName"] is None for p in moved)
    row = page.locator("#photo-list > li", has_text="cuisine-1.jpg")
    expect(row.locator(".room")).to_have_text("Dining room")
    expect(row.locator(".room-hint")).to_have_text("corrected by hand")

    # the move header: saved, and shown again after a reload (HTML as typed)
    page.locator("#move-customer").fill("<i>Dupont</i> & fils")
    page.locator("#move-date").fill("2026-03-14")
    page.locator("#move-fromAddress").fill("3 rue des Lilas, Lyon")
    page.locator("#move-fromFloor").fill("4")
    page.locator("#move-fromLift").select_option("no")
    page.locator("#move-toAddress").fill("12 avenue Foch, Paris")
    page.locator("#move-toLift").select_option("yes")
    page.locator("#move-notes").fill("Piano au salon.\nParking difficile.")
    page.locator("#move-save").click()
    expect(page.locator("#undo")).to_have_text("↶ Undo: edit the move details")
    header = live.core.snapshot(batch_id)["review"]["header"]
    assert header["customer"] == "<i>Dupont</i> & fils"
    assert header["date"] == "2026-03-14"
    assert header["fromFloor"] == "4" and header["fromLift"] is False
    assert header["toLift"] is True and header["notes"] == "Piano au salon.\nParking difficile."

    # the batch's name: the title says it (literally)
    page.locator("#rename-batch").click()
    page.locator("#batch-rename-input").fill("Déménagement <Dupont>")
    page.locator("#batch-rename-input").press("Enter")
    expect(page.locator("#batch-name")).to_have_text("Déménagement <Dupont>")
    expect(page.locator("#batch-title-text")).to_be_hidden()
    assert live.core.snapshot(batch_id)["review"]["name"] == "Déménagement <Dupont>"

    page.reload()
    expect(page.locator("#conn")).to_have_attribute("data-state", "finished")
    expect(page.locator("#move-customer")).to_have_value("<i>Dupont</i> & fils")
    expect(page.locator("#move-date")).to_have_value("2026-03-14")
    expect(page.locator("#move-fromFloor")).to_have_value("4")
    expect(page.locator("#move-fromLift")).to_have_value("no")
    expect(page.locator("#move-toLift")).to_have_value("yes")
    expect(page.locator("#move-notes")).to_have_value("Piano au salon.\nParking difficile.")
    expect(page.locator("#batch-name")).to_have_text("Déménagement <Dupont>")
    expect(page.locator('#photo-list > li[class~="is-excluded"]')).to_have_count(1)
    assert not errors, errors
    page.context.close()


def test_an_item_of_my_own_and_a_refused_volume(
    browser: Any, live: LiveServer, tmp_path: Path
) -> None:
    batch_id = make_batch(live, tmp_path / "photos", {"Salon": 1})
    page = open_batch(browser, live, batch_id, "en-US")
    salon = group(page, "Salon")
    salon.locator(".add-item-open").click()
    salon.locator(".custom-open").click()
    salon.locator(".custom-name").fill("Aquarium <big>")
    salon.locator(".custom-volume").fill("0.5")
    salon.locator(".qty-new").fill("2")
    salon.locator(".custom-form button[type=submit]").click()
    line = salon.locator('tr.item-row[data-label="custom:aquarium-big"]')
    expect(line.locator(".item-label")).to_have_text("Aquarium <big>")
    expect(line.locator(".qty-input")).to_have_value("2")
    room = rooms_of(live.core.snapshot(batch_id))["Salon"]
    assert room["itemsCount"] == 2
    assert room["volume_m3"] == pytest.approx(1.0)
    assert room["packedVolume_m3"] == pytest.approx(0.5 * 2 * 1.05)  # above 0.06 m³: ×1.05

    # a refused correction (the server checks the volume): the message, nothing stored
    before = live.core.snapshot(batch_id)
    salon.locator(".add-item-open").click()
    salon.locator(".custom-open").click()
    salon.locator(".custom-name").fill("Piano à queue")
    salon.locator(".custom-volume").fill("25")
    salon.locator(".custom-form button[type=submit]").click()
    message = page.locator("#review-message")
    expect(message).to_contain_text("Change refused:")
    expect(message).to_contain_text("at most 20 m³")
    expect(salon.locator(".custom-name")).to_have_value("Piano à queue")  # kept, to fix
    after = live.core.snapshot(batch_id)
    assert (after["inventorySummary"], after["review"]) == (
        before["inventorySummary"],
        before["review"],
    )
    page.locator("#review-message-close").click()
    expect(message).to_be_hidden()
    page.context.close()


def test_delete_the_batch_after_confirming(browser: Any, live: LiveServer, tmp_path: Path) -> None:
    from desktopapp.core.state import BatchNotFound

    batch_id = make_batch(live, tmp_path / "photos", {"Salon": 1})
    page = open_batch(browser, live, batch_id, "fr-FR")
    page.locator("#delete-batch").click()
    dialog = page.locator("#delete-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(f"Supprimer le lot #{batch_id} ?")
    page.locator("#delete-cancel").click()  # cancel: nothing happens
    expect(dialog).to_be_hidden()
    assert live.core.snapshot(batch_id)["batchId"] == batch_id

    page.locator("#delete-batch").click()
    page.locator("#delete-confirm").click()
    page.wait_for_url(f"{live.origin}/")
    with pytest.raises(BatchNotFound):
        live.core.snapshot(batch_id)
    page.context.close()


# ---- client logic against a scripted stream -----------------------------------------------

BATCH = 9
STREAM = f"/api/batches/{BATCH}/stream"


def corrected_summary() -> dict[str, Any]:
    return {
        "totalItems": 2,
        "totalVolume": 0.284,
        "totalPackedVolume": 0.209,
        "rooms": [
            {
                "roomType": "living_room",
                "roomName": "Séjour",
                "photos": 1,
                "itemsCount": 2,
                "volume_m3": 0.284,
                "packedVolume_m3": 0.209,
                "items": [
                    {
                        "label": "chair",
                        "en": "Chair",
                        "fr": "Chaise",
                        "quantity": 2,
                        "detectedQuantity": 0,
                        "source": "hand",
                        "unitVolume_m3": 0.142,
                        "volume_m3": 0.284,
                        "packedVolume_m3": 0.209,
                        "fragile": False,
                        "dismountable": True,
                        "builtIn": False,
                        "notMoving": None,
                        "packedBy": "mover",
                        "custom": False,
                        "photoId": None,
                    }
                ],
            }
        ],
        "analyzer": "names",
        "handAddedItems": 2,
        "handRemovedItems": 0,
    }


def review(corrections: int) -> dict[str, Any]:
    step = {"id": 1, "kind": "room.rename", "data": {}} if corrections else None
    return {"name": None, "header": {}, "corrections": corrections, "undo": step, "redo": None}


def test_a_corrected_running_batch_shows_the_servers_summary(browser: Any) -> None:
    """Running and corrected: the summary the newest event carried; then, after undoing
    every correction, an event with photos only → the live view (excluded photos left out)."""
    page = new_page(browser, "en-US")
    site = FakeOrigin(page)
    done = {"roomName": "Salon", "roomSource": "name", "excluded": False}
    photos = [photo(1, "DONE", **done), photo(2, "DONE", **done), photo(3, "PROCESSING")]
    snapshot = state_payload(BATCH, photos, snapshot=True)
    snapshot.update(inventorySummary=corrected_summary(), review=review(1))
    delta = state_payload(BATCH, [photo(2, "DONE", **{**done, "excluded": True})], total=3)
    delta["review"] = review(0)  # undone: the next photo event carries no summary
    delta["counts"] = snapshot["counts"]
    delta["status"] = "PROCESSING"
    held: list[Any] = []

    def stream(route: Any, request: Any) -> None:
        if not held:
            held.append(route)
            stream_reply(route, sse("progress", snapshot, 5))
        else:
            stream_reply(route, sse("progress", delta, 6))

    site.api[("GET", STREAM)] = stream
    page.goto(site.url(f"/batches/{BATCH}"))
    names = page.locator("#rooms-table tbody.room-group .room-name")
    expect(names).to_have_text(["Séjour"])  # the server's, while running
    expect(page.locator("#summary-items")).to_have_text("2")
    expect(page.locator(".tag-source")).to_have_text("added by hand")
    # reconnected: the photo-only event → the live view, from the photos: photo 2 excluded
    expect(names).to_have_text(["Salon"], timeout=15_000)
    expect(page.locator("#rooms-table tbody.room-group .room-row td").first).to_have_text("1")
    expect(page.locator('#photo-list > li[data-id="2"]')).to_have_class(
        re.compile(r"\bis-excluded\b")
    )
    page.context.close()


# ---- how it looks -----------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["fr-FR", "en-US"])
def test_screenshot_of_a_corrected_batch(
    browser: Any, live: LiveServer, tmp_path: Path, locale: str
) -> None:
    batch_id = make_batch(live, tmp_path / "photos", {"Salon": 2, "Cuisine": 2, "Chambre 1": 2})
    path = f"/api/batches/{batch_id}/corrections"
    salon = {"roomType": "living_room", "roomName": "Salon"}
    kitchen = {"roomType": "kitchen", "roomName": "Cuisine"}
    bedroom = {"roomType": "bedroom", "roomName": "Chambre 1"}
    for body in (
        {"kind": "batch.rename", "name": "Famille Martin — Lyon → Paris"},
        {"kind": "room.rename", "room": salon, "name": "Séjour"},
        {
            "kind": "room.item",
            "room": {**salon, "roomName": "Séjour"},
            "label": "sofa",
            "quantity": 1,
        },
        {
            "kind": "room.item",
            "room": {**salon, "roomName": "Séjour"},
            "label": "tv",
            "quantity": 1,
        },
        {
            "kind": "room.flags",
            "room": {**salon, "roomName": "Séjour"},
            "label": "tv",
            "packedBy": "customer",
        },
        {"kind": "room.item", "room": kitchen, "label": "chair", "quantity": 4},
        {"kind": "room.item", "room": kitchen, "label": "refrigerator", "quantity": 1},
        {"kind": "room.flags", "room": kitchen, "label": "refrigerator", "notMoving": "stays"},
        {"kind": "room.item", "room": bedroom, "label": "bed", "quantity": 1},
        {"kind": "room.item", "room": bedroom, "name": "Aquarium", "volume_m3": 0.3, "quantity": 1},
        {
            "kind": "batch.header",
            "customer": "M. et Mme Martin",
            "date": "2026-04-18",
            "fromAddress": "3 rue des Lilas, 69003 Lyon",
            "fromFloor": "3",
            "fromLift": False,
            "toAddress": "12 avenue Foch, 75016 Paris",
            "toFloor": "RDC",
            "toLift": True,
        },
    ):
        live.post(path, body)
    live.post(path, {"kind": "photo.exclude", "photoIds": [1], "excluded": True})

    page = new_page(browser, locale, height=3000)
    errors = collect_console_errors(page)
    page.goto(live.entry_url(f"/batches/{batch_id}"))
    expect(page.locator("#conn")).to_have_attribute("data-state", "finished")
    expect(page.locator("#batch-name")).to_have_text("Famille Martin — Lyon → Paris")
    expect(page.locator("#rooms-table tbody.room-group")).to_have_count(3)
    page.locator("#photo-list > li").nth(2).locator(".photo-check").click()
    page.locator("#photo-list > li").nth(3).locator(".photo-check").click()
    add = group(page, "Chambre 1").locator(".add-item-open")
    add.click()
    group(page, "Chambre 1").locator(".catalogue-search").fill("armoire")
    expect(group(page, "Chambre 1").locator(".catalogue-result").first).to_be_visible()
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('#photo-list img[src]'))"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )
    # tests/artifacts each run; docs/ (committed) only when asked: PHOTOLOT_UPDATE_DOCS=1
    folder = DOCS if os.environ.get("PHOTOLOT_UPDATE_DOCS") == "1" else ARTIFACTS
    folder.mkdir(parents=True, exist_ok=True)
    name = "review-page-fr.png" if locale == "fr-FR" else "review-page-en.png"
    bottom = page.evaluate(
        "() => Math.ceil(document.querySelector('main').getBoundingClientRect().bottom)"
    )
    page.screenshot(
        path=str(folder / name),
        full_page=True,
        clip={"x": 0, "y": 0, "width": 1100, "height": bottom},
    )
    assert urlparse(page.url).path == f"/batches/{batch_id}"
    assert not errors, errors
    page.context.close()
