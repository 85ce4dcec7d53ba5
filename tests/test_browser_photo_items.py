"""The photo viewer's item list in a real browser: Debian's Chromium driven by Playwright.

End to end with the real Core, its real detector (the default analyzer) and the real
server: the corpus photo mock-home-1.jpg (a living room: the detector finds a sofa, two
chairs and a vase) in a folder "Salon". In the batch page's viewer the mover sets the
sofa's count with the stepper and by typing, replaces the sofa with an armchair, removes
it, adds a coffee table seen in the photo; after each step `core.snapshot` gives the
inventory computed by hand from resources/inventory/catalogue.json (one photo in the room:
each line's quantity is the photo's count), and the page follows from the stream event
that comes after the POST (the viewer's list, the photo's row, the inventory table). A
refused count (over 1,000) is said inside the viewer with nothing changed. Then the
"retry failed photos" message: one file that can never be a picture, one that may.

No sleeps: Playwright's auto-waiting assertions and `wait_for_function`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser_helpers import (
    ARTIFACTS,
    BROWSER_MARKS,
    LiveServer,
    collect_console_errors,
    live_server,
    new_page,
    playwright_expect,
)
from tests.conftest import REPO, wait_until_final
from tests.helpers import make_photo

expect = playwright_expect()

pytestmark = BROWSER_MARKS

DOCS = REPO / "docs"
HOME = REPO.parent / "shared" / "corpus" / "photos" / "shandutta__homematch-v2"
CATALOGUE = {
    item["key"]: item
    for item in json.loads((REPO / "resources" / "inventory" / "catalogue.json").read_text())[
        "items"
    ]
}
VOLUME = {key: item["volume_m3"] for key, item in CATALOGUE.items()}

PREVIEW_LOADED_JS = """() => {
  const img = document.getElementById('viewer-img');
  return document.getElementById('viewer-stage').classList.contains('is-loaded')
    && img.complete && img.naturalWidth > 0;
}"""


# ---- fixtures ------------------------------------------------------------------------------


@pytest.fixture
def live(data_dir: Path) -> Iterator[LiveServer]:
    """A started Core with the default analyzer (the real detector) and the real server."""
    from desktopapp.core.services import Core
    from desktopapp.platform.settings import Settings

    core = Core(Settings(data_dir=data_dir, workers=2))
    core.start()
    with live_server(core) as server:
        yield server


# ---- helpers ---------------------------------------------------------------------------------


def salon(snapshot: dict[str, Any]) -> dict[str, Any]:
    (room,) = [r for r in snapshot["inventorySummary"]["rooms"] if r["roomName"] == "Salon"]
    return room


def quantities(snapshot: dict[str, Any]) -> dict[str, int]:
    return {line["label"]: line["quantity"] for line in salon(snapshot)["items"]}


def expected_volume(counts: dict[str, int]) -> float:
    """The room's furniture volume by hand: Σ quantity × the catalogue's unit volume."""
    return sum(VOLUME[label] * quantity for label, quantity in counts.items())


def wait_for_summary(live: LiveServer, batch_id: int, counts: dict[str, int]) -> dict[str, Any]:
    """The batch's corrected inventory once it has these counts (the bus wakes us: no sleep)."""
    from desktopapp.core.events import BatchWatcher

    deadline = time.monotonic() + 15
    with BatchWatcher(live.core.bus, batch_id) as watcher:
        while True:
            snapshot = live.core.snapshot(batch_id)
            if quantities(snapshot) == counts:
                return snapshot
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"inventory never reached {counts}: {quantities(snapshot)}"
            watcher.wait(timeout=min(remaining, 5.0))


def check_summary(snapshot: dict[str, Any], counts: dict[str, int]) -> None:
    summary = snapshot["inventorySummary"]
    room = salon(snapshot)
    assert room["itemsCount"] == sum(counts.values())
    assert room["volume_m3"] == pytest.approx(expected_volume(counts), abs=0.0015)
    assert summary["totalItems"] == sum(counts.values())
    assert summary["totalVolume"] == pytest.approx(expected_volume(counts), abs=0.0015)


def item(page: Any, label: str) -> Any:
    return page.locator(f'#viewer-item-list > li[data-label="{label}"]')


def table_quantity(page: Any, label: str) -> Any:
    return page.locator(f'#rooms-table tr.item-row[data-label="{label}"] .qty-input')


# ---- the test --------------------------------------------------------------------------------


def test_photo_items_in_the_viewer_follow_the_inventory(
    browser: Any, live: LiveServer, tmp_path: Path
) -> None:
    assert VOLUME["sofa"] == 1.416 and VOLUME["armchair"] == 0.283  # the figures used below
    (tmp_path / "Salon").mkdir()
    shutil.copy(HOME / "mock-home-1.jpg", tmp_path / "Salon" / "mock-home-1.jpg")
    assert live.core.analyzer.prepare(), live.core.analyzer_problem()
    batch_id = live.core.create_batch([tmp_path]).batch_id
    first = wait_until_final(live.core, batch_id)
    (photo,) = first["photos"]
    detected = {"sofa": 1, "chair": 2, "vase": 1}
    assert quantities(first) == detected, salon(first)["items"]
    check_summary(first, detected)

    page = new_page(browser, "fr-FR")
    errors = collect_console_errors(page)
    page.goto(live.entry_url(f"/batches/{batch_id}"))
    expect(page.locator("#conn")).to_have_attribute("data-state", "finished")
    row = page.locator(f'#photo-list > li[data-id="{photo["id"]}"]')
    row.locator("button.thumb").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    page.wait_for_function(PREVIEW_LOADED_JS)

    # the photo's items, by name, each with what the detector saw and its count
    lines = page.locator("#viewer-item-list > li")
    expect(lines.locator(".viewer-item-name")).to_have_text(["Canapé", "Chaise", "Vase"])
    expect(lines.locator(".viewer-item-source")).to_have_text(["détecté"] * 3)
    expect(item(page, "chair").locator(".qty-input")).to_have_value("2")
    expect(page.locator("#viewer-detected")).to_be_hidden()  # nothing corrected yet

    # + on the sofa: two sofas; the detector's own result is said below
    sofa = item(page, "sofa")
    sofa.get_by_role("button", name="Un de plus : Canapé").click()
    counts = {**detected, "sofa": 2}
    check_summary(wait_for_summary(live, batch_id, counts), counts)
    expect(sofa.locator(".qty-input")).to_have_value("2")
    expect(sofa.locator(".viewer-item-source")).to_have_text("corrigé")
    expect(page.locator("#viewer-detected")).to_have_text("Détecté : Canapé ×1, Chaise ×2, Vase ×1")
    expect(sofa.get_by_role("button", name="Un de plus : Canapé")).to_be_focused()
    expect(table_quantity(page, "sofa")).to_have_value("2")  # the inventory behind follows
    expect(page.locator("#summary-items")).to_have_text("5")

    # a count typed in: three
    field = sofa.get_by_role("spinbutton", name="Quantité : Canapé")
    field.fill("3")
    field.press("Enter")
    counts = {**detected, "sofa": 3}
    check_summary(wait_for_summary(live, batch_id, counts), counts)
    expect(field).to_have_value("3")
    expect(table_quantity(page, "sofa")).to_have_value("3")

    # replace the sofa with an armchair, found in the catalogue by a French word
    sofa.get_by_role("button", name="Remplacer Canapé par un autre objet du catalogue").click()
    expect(page.locator("#viewer-pick-title")).to_have_text("Remplacer « Canapé » par :")
    search = page.locator("#viewer-pick-search")
    expect(search).to_be_focused()
    search.fill("fauteuil")
    first_result = page.locator("#viewer-pick-results .catalogue-result").first
    expect(first_result.locator(".result-name")).to_have_text("Fauteuil")  # its answer is in
    first_result.click()
    counts = {"armchair": 3, "chair": 2, "vase": 1}
    snapshot = wait_for_summary(live, batch_id, counts)
    check_summary(snapshot, counts)
    assert snapshot["inventorySummary"]["totalVolume"] == pytest.approx(
        expected_volume(detected) - 1.416 + 3 * 0.283, abs=0.0015
    )
    armchair = item(page, "armchair")
    expect(sofa).to_have_count(0)
    expect(armchair.locator(".viewer-item-name")).to_have_text("Fauteuil")
    expect(armchair.locator(".viewer-item-source")).to_have_text("remplacé")
    expect(armchair.locator(".viewer-item-source")).to_have_attribute("title", "Remplace : Canapé")
    expect(armchair.locator(".qty-input")).to_have_value("3")
    expect(page.locator("#viewer-pick")).to_be_hidden()
    # the detector's box is kept, now named as the armchair
    expect(page.locator('#viewer-boxes .viewer-box[data-label="armchair"]')).to_contain_text(
        "Fauteuil"
    )
    expect(row.locator(".photo-items")).to_contain_text("Fauteuil ×3")

    # a refused count (over 1,000): said inside the viewer, nothing changes
    chair = item(page, "chair").locator(".qty-input")
    chair.fill("1001")
    chair.press("Enter")
    message = page.locator("#viewer-message")
    expect(message).to_be_visible()
    expect(message).to_contain_text("Modification refusée")
    expect(message).to_have_class(re.compile(r"\bis-error\b"))
    expect(chair).to_have_value("2")
    assert quantities(live.core.snapshot(batch_id)) == counts
    message.get_by_role("button", name="Fermer").click()
    expect(message).to_be_hidden()

    # remove the armchair: ✕
    armchair.get_by_role("button", name="Retirer Fauteuil de cette photo").click()
    counts = {"chair": 2, "vase": 1}
    check_summary(wait_for_summary(live, batch_id, counts), counts)
    expect(armchair).to_have_count(0)
    expect(page.locator("#rooms-table tr.item-row[data-label='armchair']")).to_have_count(0)
    expect(page.locator("#viewer-add-open")).to_be_focused()  # the line is gone: focus stays near

    # add an item seen in the photo: two coffee tables
    page.locator("#viewer-add-open").click()
    expect(page.locator("#viewer-pick-title")).to_have_text("Ajouter un objet vu sur cette photo")
    page.locator("#viewer-pick-qty").fill("2")
    search.fill("table basse")
    expect(
        page.locator("#viewer-pick-results .catalogue-result").first.locator(".result-name")
    ).to_have_text("Table basse")
    search.press("Enter")  # the first result, selected
    counts = {"chair": 2, "vase": 1, "coffee_table": 2}
    check_summary(wait_for_summary(live, batch_id, counts), counts)
    table = item(page, "coffee_table")
    expect(table.locator(".viewer-item-source")).to_have_text("ajouté à la main")
    expect(table.locator(".qty-input")).to_have_value("2")
    expect(page.locator("#summary-items")).to_have_text("5")

    # Esc inside the panel closes the panel, not the viewer; the arrows move the caret only
    page.locator("#viewer-add-open").click()
    search.fill("lampe")
    search.press("ArrowLeft")
    expect(page.locator("#viewer-title")).to_have_text("mock-home-1.jpg")
    search.press("Escape")
    expect(page.locator("#viewer-pick")).to_be_hidden()
    expect(page.get_by_role("dialog")).to_be_visible()
    expect(page.locator("#viewer-add-open")).to_be_focused()

    # what the photo's payload says, as the page shows it
    final = live.core.snapshot(batch_id)
    (payload,) = final["photos"]
    assert {i["label"] for i in payload["detected"]["items"]} == {"sofa", "chair", "vase"}
    assert [i for i in payload["items"] if i["label"] == "coffee_table"] == [
        {"label": "coffee_table", "quantity": 2, "source": "hand"}
    ]
    assert final["review"]["corrections"] == 5

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "review-viewer-editing.png"))
    # the refused count's 400 is the only console line (Chromium logs failed requests)
    assert len([e for e in errors if "status of 400" in e]) == 1, errors
    assert [e for e in errors if "status of 400" not in e] == [], errors
    page.context.close()


def test_viewer_items_screenshot_in_french(browser: Any, live: LiveServer, tmp_path: Path) -> None:
    """The viewer with a corrected photo and the replace panel open: for the README."""
    (tmp_path / "Salon").mkdir()
    shutil.copy(HOME / "mock-home-1.jpg", tmp_path / "Salon" / "mock-home-1.jpg")
    assert live.core.analyzer.prepare(), live.core.analyzer_problem()
    batch_id = live.core.create_batch([tmp_path]).batch_id
    (photo,) = wait_until_final(live.core, batch_id)["photos"]
    live.core.correct(
        batch_id, "photo.item", {"photoId": photo["id"], "label": "sofa", "quantity": 2}
    )
    live.core.correct(
        batch_id, "photo.relabel", {"photoId": photo["id"], "label": "vase", "to": "floor_lamp"}
    )
    live.core.correct(
        batch_id, "photo.item", {"photoId": photo["id"], "label": "coffee_table", "quantity": 1}
    )

    page = new_page(browser, "fr-FR", height=820)
    errors = collect_console_errors(page)
    page.goto(live.entry_url(f"/batches/{batch_id}"))
    expect(page.locator("#conn")).to_have_attribute("data-state", "finished")
    page.locator(f'#photo-list > li[data-id="{photo["id"]}"] button.thumb').click()
    page.wait_for_function(PREVIEW_LOADED_JS)
    expect(page.locator("#viewer-item-list > li .viewer-item-name")).to_have_text(
        ["Canapé", "Chaise", "Lampadaire", "Table basse"]
    )
    expect(page.locator("#viewer-item-list .viewer-item-source")).to_have_text(
        ["corrigé", "détecté", "remplacé", "ajouté à la main"]
    )
    item(page, "chair").get_by_role("button", name=re.compile("^Remplacer Chaise")).click()
    page.locator("#viewer-pick-search").fill("fauteuil")
    expect(
        page.locator("#viewer-pick-results .catalogue-result").first.locator(".result-name")
    ).to_have_text("Fauteuil")
    expect(page.locator("#viewer-detected")).to_have_text("Détecté : Canapé ×1, Chaise ×2, Vase ×1")
    # tests/artifacts each run; docs/ (committed) only when asked: PHOTOLOT_UPDATE_DOCS=1
    folder = DOCS if os.environ.get("PHOTOLOT_UPDATE_DOCS") == "1" else ARTIFACTS
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / "review-viewer-page.png"))
    assert not errors, errors
    page.context.close()


# ---- retry failed photos: what is retried, what cannot be ------------------------------------


def test_retry_says_what_was_retried_and_what_cannot_be(
    browser: Any, live: LiveServer, tmp_path: Path
) -> None:
    folder = tmp_path / "Cuisine"
    make_photo(folder / "ok.jpg", seed=3, size=(320, 240))
    (folder / "notes.jpg").write_text("Liste des cartons\n")  # not_an_image: never a picture
    cut = make_photo(tmp_path / "whole.jpg", seed=4, size=(320, 240)).read_bytes()[:600]
    (folder / "coupee.jpg").write_bytes(cut)  # truncated: may still be copying, retryable
    # files named one by one are all taken (a folder's walk would skip the text file)
    files = [folder / name for name in ("ok.jpg", "notes.jpg", "coupee.jpg")]
    batch_id = live.core.create_batch(files).batch_id
    state = wait_until_final(live.core, batch_id)
    codes = {p["fileName"]: p["errorCode"] for p in state["photos"] if p["status"] == "ERROR"}
    assert codes["notes.jpg"] == "not_an_image"
    assert codes["coupee.jpg"] not in {"not_an_image", "unsupported", "empty_file", None}

    for locale, message in (
        (
            "fr-FR",
            "1 photo relancée. 1 ne peut pas être relancée : notes.jpg — pas une image.",
        ),
        ("en-US", "1 photo queued again. 1 cannot be retried: notes.jpg — not a picture."),
    ):
        page = new_page(browser, locale)
        errors = collect_console_errors(page)
        page.goto(live.entry_url(f"/batches/{batch_id}"))
        expect(page.locator("#conn")).to_have_attribute("data-state", "finished")
        retry = page.locator("#retry-failed")
        expect(retry).to_be_enabled()  # one failure may do better
        with page.expect_response(re.compile(r"/retry-failed$")) as answer:
            retry.click()
        body = answer.value.json()
        assert body["requeued"] == 1
        assert body["notRetried"] == [
            {
                "fileName": "notes.jpg",
                "errorCode": "not_an_image",
                "errorMessage": body["notRetried"][0]["errorMessage"],
            }
        ]
        expect(page.locator("#action-message")).to_have_text(message)
        expect(page.locator("#action-message")).not_to_have_class(re.compile(r"\bis-error\b"))
        # the truncated file fails again: the batch comes back to PARTIAL
        expect(page.locator("#conn")).to_have_attribute("data-state", "finished", timeout=60_000)
        expect(page.locator('#photo-list > li[data-status="ERROR"]')).to_have_count(2)
        assert not errors, errors
        page.context.close()
        wait_until_final(live.core, batch_id)


def test_retry_button_is_off_when_every_failure_is_permanent(
    browser: Any, live: LiveServer, tmp_path: Path
) -> None:
    folder = tmp_path / "Bureau"
    make_photo(folder / "ok.jpg", seed=5, size=(320, 240))
    (folder / "notes.jpg").write_text("pas une photo\n")
    (folder / "vide.jpg").write_bytes(b"")
    files = [folder / name for name in ("ok.jpg", "notes.jpg", "vide.jpg")]
    batch_id = live.core.create_batch(files).batch_id
    state = wait_until_final(live.core, batch_id)
    codes = sorted(p["errorCode"] for p in state["photos"] if p["status"] == "ERROR")
    permanent = {"not_an_image", "unsupported", "empty_file", "too_large", "too_small"}
    assert codes and set(codes) <= permanent, codes

    page = new_page(browser, "fr-FR")
    errors = collect_console_errors(page)
    requests: list[str] = []
    lock = threading.Lock()

    def seen(request: Any) -> None:
        with lock:
            requests.append(request.url)

    page.on("request", seen)
    page.goto(live.entry_url(f"/batches/{batch_id}"))
    expect(page.locator("#conn")).to_have_attribute("data-state", "finished")
    retry = page.locator("#retry-failed")
    expect(retry).to_be_visible()
    expect(retry).to_be_disabled()
    expect(retry).to_have_attribute(
        "title", "Ces échecs ne changeront pas en relançant : corrigez ou remplacez les fichiers."
    )
    with lock:
        assert not [url for url in requests if url.endswith("/retry-failed")]
    assert not errors, errors
    page.context.close()
