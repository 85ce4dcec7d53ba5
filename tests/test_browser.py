"""The web page in a real browser: Debian's Chromium driven by Playwright.

End to end (real Core: SQLite, Huey workers; real ServerThread on an ephemeral port):
the batch page follows a batch from its first snapshot to PARTIAL over EventSource, in
French and in English, and after connecting requests nothing but the stream and the
thumbnails; "retry failed" reconnects with the last event id; the start page lists
batches and uploads through the file chooser; a one-time link signs the browser in once.

Client logic against scripted streams (`FakeOrigin`, no server): resuming after a
dropped connection, `timeout`, giving up after five attempts, the server's `error`
event (fatal codes stop, others reconnect), a missing batch, a 1,500-photo batch
updated in place, upload errors.

No sleeps: Playwright's auto-waiting assertions, `wait_for_function`, and its fake clock
for the backoff delays.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.browser_helpers import (
    ARTIFACTS,
    BAR_MATCHES_JS,
    BROWSER_MARKS,
    ROWS_JS,
    THUMBNAIL_PATH,
    THUMBNAILS_LOADED_JS,
    FakeOrigin,
    LiveServer,
    collect_console_errors,
    json_reply,
    last_event_id,
    live_server,
    new_page,
    photo,
    playwright_expect,
    sse,
    state_payload,
    stream_reply,
)
from tests.conftest import CORPUS, wait_until_final
from tests.helpers import make_photo

# CI installs both (.ci/setup): there, a missing browser is a failure, never a silent skip
expect = playwright_expect()

pytestmark = BROWSER_MARKS

LABELS = {
    "fr-FR": {
        "QUEUED": "EN ATTENTE",
        "PARTIAL": "PARTIEL",
        "COMPLETED": "TERMINÉ",
        "living_room": "Salon",
        "kitchen": "Cuisine",
        "unknown": "Pièce non reconnue",
        "DONE": "OK",
        "ERROR": "Échec",
        "live": re.compile(r"^Temps réel actif · mis à jour \d\d:\d\d:\d\d$"),
        "finished": re.compile(r"^Traitement terminé · mis à jour \d\d:\d\d:\d\d$"),
        "title": "Traitement du lot",
        "photos": "{done}/{total} photos",
        "percent": "100 %",
        "retried": "1 photo relancée.",
        "action.exportPdf": "Exporter en PDF",
    },
    "en-US": {
        "QUEUED": "QUEUED",
        "PARTIAL": "PARTIAL",
        "COMPLETED": "COMPLETED",
        "living_room": "Living room",
        "kitchen": "Kitchen",
        "unknown": "Room not recognised",
        "DONE": "Done",
        "ERROR": "Failed",
        "live": re.compile(r"^Live · updated \d\d:\d\d:\d\d$"),
        "finished": re.compile(r"^Finished · updated \d\d:\d\d:\d\d$"),
        "title": "Batch processing",
        "photos": "{done}/{total} photos",
        "percent": "100%",
        "retried": "1 photo queued again.",
        "action.exportPdf": "Export PDF",
    },
}


# ---- fixtures ----------------------------------------------------------------------------


@pytest.fixture
def live(data_dir: Path) -> Iterator[LiveServer]:
    """A real Core (not started: each test decides when the workers run) and server."""
    from desktopapp.core.services import Core
    from desktopapp.platform.settings import Settings

    core = Core(Settings(data_dir=data_dir, workers=2))
    with live_server(core) as server:
        yield server


def room_photos(root: Path) -> dict[str, str | None]:
    """12 files: 4 in "Salon", 4 + 1 corrupt in "Cuisine", 3 loose. → {name: room}."""
    rooms: dict[str, str | None] = {}
    for i in range(4):
        make_photo(root / "Salon" / f"salon-{i + 1}.jpg", seed=100 + i, size=(320, 240))
        rooms[f"salon-{i + 1}.jpg"] = "living_room"
        make_photo(root / "Cuisine" / f"cuisine-{i + 1}.jpg", seed=200 + i, size=(320, 240))
        rooms[f"cuisine-{i + 1}.jpg"] = "kitchen"
    for i in range(3):
        make_photo(root / f"vrac-{i + 1}.jpg", seed=300 + i, size=(320, 240))
        rooms[f"vrac-{i + 1}.jpg"] = None
    (root / "Cuisine" / "cuisine-abimee.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 400)
    rooms["cuisine-abimee.jpg"] = None
    return rooms


# ---- end to end: the batch page on the real server ----------------------------------------


@pytest.mark.parametrize("locale", ["fr-FR", "en-US"])
def test_batch_page_follows_a_batch_to_its_final_state(
    browser: Any, live: LiveServer, tmp_path: Path, locale: str
) -> None:
    labels = LABELS[locale]
    rooms = room_photos(tmp_path / "photos")
    batch_id = live.core.create_batch([tmp_path / "photos"]).batch_id
    debug = locale == "en-US"  # the English run also checks the ?debug=1 event panel

    page = new_page(browser, locale, height=2600)  # tall: every lazy thumbnail is on screen
    errors = collect_console_errors(page)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(live.entry_url(f"/batches/{batch_id}" + ("?debug=1" if debug else "")))
    assert urlparse(page.url).query == ("debug=1" if debug else ""), "token not swapped"

    # Connected, workers not started yet: the snapshot shows a queued batch.
    expect(page.locator("#conn-text")).to_have_text(labels["live"])
    expect(page.locator("#status-badge")).to_have_text(labels["QUEUED"])
    expect(page.locator("#batch-title")).to_contain_text(f"{labels['title']} #{batch_id}")
    expect(page.locator("#photo-list > li")).to_have_count(12)
    expect(page.locator('#photo-list > li[data-status="PENDING"]')).to_have_count(12)
    expect(page.locator("#progressbar")).to_have_attribute("aria-valuenow", "0")

    # Everything after this point reaches the page through the stream.
    live.core.start()
    expect(page.locator("#status-badge")).to_have_text(labels["PARTIAL"], timeout=60_000)
    expect(page.locator("#conn")).to_have_attribute("data-state", "finished")
    expect(page.locator("#conn-text")).to_have_text(labels["finished"])

    rest = live.get(f"/api/batches/{batch_id}")
    assert rest["status"] == "PARTIAL"
    counts = rest["counts"]
    assert counts == {"queued": 0, "processing": 0, "completed": 11, "failed": 1, "total": 12}

    # head: badge colour, percent, done/total, progress bar (value, width, colour)
    expect(page.locator("#status-badge")).to_have_attribute("data-status", "PARTIAL")
    expect(page.locator("#percent")).to_have_text(labels["percent"])
    expect(page.locator("#done-total")).to_have_text(
        labels["photos"].format(done=counts["completed"] + counts["failed"], total=counts["total"])
    )
    bar = page.locator("#progressbar")
    expect(bar).to_have_attribute("aria-valuenow", str(rest["progress"]))
    expect(bar).to_have_attribute("aria-valuemin", "0")
    expect(bar).to_have_attribute("aria-valuemax", "100")
    expect(bar).to_have_attribute("data-status", "PARTIAL")
    page.wait_for_function(BAR_MATCHES_JS)  # the width transition has landed on the percent
    # and the colour transition on orange for PARTIAL (it may still be on its way)
    page.wait_for_function(
        "() => getComputedStyle(document.getElementById('progress-fill')).backgroundColor"
        " === 'rgb(249, 115, 22)'"
    )

    # the four counters equal the REST snapshot
    for key in ("queued", "processing", "completed", "failed"):
        expect(page.locator(f"#count-{key}")).to_have_text(str(counts[key]))

    # every photo row: state, name, room, thumbnail, error message
    rows = {row["id"]: row for row in page.evaluate(ROWS_JS)}
    assert len(rows) == 12
    for expected in rest["photos"]:
        row = rows[expected["id"]]
        assert row["status"] == expected["status"], row
        assert row["name"] == expected["fileName"]
        assert row["state"] == labels[expected["status"]]
        if expected["status"] == "DONE":
            assert row["img"] == expected["thumbnailUrl"]
            assert row["error"] is None
            room = rooms[expected["fileName"]]
            assert expected["roomType"] == room
            if room:  # a room is called by the folder that named it, else by its type
                assert row["room"] == (expected["roomName"] or labels[room])
        else:
            assert expected["fileName"] == "cuisine-abimee.jpg"
            assert row["img"] is None
            assert row["errorVisible"], row
            assert row["error"]
            if locale == "en-US":  # French shows a translation of the stable error code
                assert row["error"] == expected["errorMessage"]
    error_row = page.locator('#photo-list > li[data-status="ERROR"]')
    expect(error_row).to_have_count(1)
    expect(error_row.locator(".photo-error")).to_be_visible()

    # the inventory once finished: one table row per room the server reports
    expect(page.locator("#summary")).to_be_visible()
    summary = rest["inventorySummary"]
    rooms_body = page.locator("#rooms-table tbody.room-group")
    expect(rooms_body).to_have_count(len(summary["rooms"]))
    expect(rooms_body.locator(".room-name")).to_have_text(
        [room["roomName"] or labels[room["roomType"]] for room in summary["rooms"]]
    )
    for room_type in ("living_room", "kitchen"):
        assert room_type in {room["roomType"] for room in summary["rooms"]}
    expect(page.locator("#summary-items")).to_have_text(str(summary["totalItems"]))

    # actions: retry shown (a photo failed), export link, back link
    expect(page.locator("#retry-failed")).to_be_visible()
    expect(page.locator("#export-csv")).to_have_attribute(
        "href", f"/api/batches/{batch_id}/export?format=csv&lang={locale[:2]}"
    )
    pdf_href = f"/api/batches/{batch_id}/report.pdf?lang={locale[:2]}"
    expect(page.locator("#export-pdf")).to_have_attribute("href", pdf_href)
    expect(page.locator("#export-pdf")).to_have_text(labels["action.exportPdf"])
    report = page.request.get(live.origin + pdf_href)  # with the page's session cookie
    assert report.status == 200 and report.headers["content-type"] == "application/pdf"
    assert report.body().startswith(b"%PDF")
    expect(page.locator("#back-link")).to_have_attribute("href", "/")

    if debug:
        expect(page.locator("#debug")).to_be_visible()
        types = page.locator("#debug-body td:nth-child(2)").all_text_contents()
        assert types.count("complete") == 1
        assert types.count("progress") >= 2, types  # the snapshot, then live deltas

    # After the first connect: only the stream and thumbnails. No polling, no favicon.
    page.wait_for_function(THUMBNAILS_LOADED_JS)
    paths = [urlparse(url).path for url in requests]
    stream_path = f"/api/batches/{batch_id}/stream"
    first_stream = paths.index(stream_path)
    later = [path for path in paths[first_stream:] if path != stream_path]
    assert all(THUMBNAIL_PATH.match(path) for path in later), later
    assert len(later) == 11  # one thumbnail per DONE photo, each fetched once
    assert paths.count(stream_path) == 1, "the stream reconnected without reason"
    assert set(paths[:first_stream]) == {
        f"/batches/{batch_id}",
        "/static/app.css",
        "/static/i18n.js",
        "/static/common.js",
        "/static/sse-state.js",
        "/static/inventory.js",
        "/static/review.js",
        "/static/photo-items.js",
        "/static/batch.js",
    }
    assert not errors, errors

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = "batch-finished.png" if locale == "fr-FR" else "batch-finished-en.png"
    bottom = page.evaluate(
        "() => Math.ceil(document.querySelector('main').getBoundingClientRect().bottom)"
    )
    page.screenshot(  # the whole page, without the empty tail of the tall viewport
        path=str(ARTIFACTS / name),
        full_page=True,
        clip={"x": 0, "y": 0, "width": 1100, "height": bottom},
    )
    page.context.close()


def test_retry_failed_reconnects_with_the_last_event_id(
    browser: Any, live: LiveServer, tmp_path: Path
) -> None:
    from desktopapp.core import journal

    make_photo(tmp_path / "Salon" / "ok.jpg", seed=1, size=(320, 240))
    (tmp_path / "Salon" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 400)
    live.core.start()
    batch_id = live.core.create_batch([tmp_path / "Salon"]).batch_id
    wait_until_final(live.core, batch_id)
    head = journal.head_id(batch_id)

    labels = LABELS["fr-FR"]
    page = new_page(browser, "fr-FR")
    errors = collect_console_errors(page)
    page.goto(live.entry_url(f"/batches/{batch_id}"))
    # an already finished batch: snapshot + complete at once
    expect(page.locator("#conn")).to_have_attribute("data-state", "finished")
    expect(page.locator("#status-badge")).to_have_text(labels["PARTIAL"])

    stream_path = f"/api/batches/{batch_id}/stream"
    with page.expect_request(lambda request: urlparse(request.url).path == stream_path) as info:
        with page.expect_response(re.compile(r"/retry-failed$")) as answer:
            page.get_by_role("button", name="Relancer les échecs").click()
        assert answer.value.status == 200
    # the page reconnects from the last event it has: the head, or a later row the stream
    # (kept open after `complete`, ?follow=1) delivered before the answer
    assert int(last_event_id(info.value.url)) >= head
    # the retried photo fails again: the batch comes back to PARTIAL through the stream
    expect(page.locator("#conn")).to_have_attribute("data-state", "finished", timeout=60_000)
    expect(page.locator("#status-badge")).to_have_text(labels["PARTIAL"])
    expect(page.locator("#action-message")).to_have_text(labels["retried"])
    expect(page.locator('#photo-list > li[data-status="ERROR"] .photo-error')).to_be_visible()
    assert journal.head_id(batch_id) > head
    assert not errors, errors
    page.context.close()


HOME = CORPUS / "photos" / "shandutta__homematch-v2"

# Where each item box is drawn, against where the payload says it is (0..1 of the stage).
BOXES_JS = """() => {
  const stage = document.getElementById('viewer-stage').getBoundingClientRect();
  return Array.from(document.querySelectorAll('#viewer-boxes .viewer-box')).map(box => {
    const r = box.getBoundingClientRect();
    const l = box.querySelector('.viewer-box-label').getBoundingClientRect();
    return {label: box.dataset.label, tag: [l.left, l.top, l.right, l.bottom],
            text: box.querySelector('.viewer-box-label').textContent,
            rect: [(r.left - stage.left) / stage.width, (r.top - stage.top) / stage.height,
                   (r.right - stage.left) / stage.width, (r.bottom - stage.top) / stage.height]};
  });
}"""

FOCUS_IN_VIEWER_JS = "() => document.getElementById('viewer').contains(document.activeElement)"

PREVIEW_LOADED_JS = """() => {
  const img = document.getElementById('viewer-img');
  return document.getElementById('viewer-stage').classList.contains('is-loaded')
    && img.complete && img.naturalWidth > 0;
}"""


def cell_volume(value: float, locale: str) -> str:
    """A volume as the page's table cells write it: two decimals, the locale's separator."""
    text = str(Decimal(str(value)).quantize(Decimal("0.01"), ROUND_HALF_UP))
    return text.replace(".", ",") if locale == "fr-FR" else text


def test_inventory_items_packed_volume_and_the_viewer(
    browser: Any, live: LiveServer, tmp_path: Path
) -> None:
    """The real detector on a living room (it finds a sofa): the room's item lines in the
    page's language, the packed volume, each photo's items, and the viewer with one
    labelled box per item over the preview; Esc closes it, ←/→ step, Tab stays inside."""
    (tmp_path / "Salon").mkdir()
    shutil.copy(HOME / "mock-home-1.jpg", tmp_path / "Salon" / "mock-home-1.jpg")
    shutil.copy(HOME / "mock-home-3.jpg", tmp_path / "mock-home-3.jpg")
    batch_id = live.core.create_batch([tmp_path]).batch_id
    live.core.start()
    assert live.core.analyzer.prepare(), live.core.analyzer_problem()
    wait_until_final(live.core, batch_id)
    rest = live.get(f"/api/batches/{batch_id}")
    summary = rest["inventorySummary"]
    salon = next(p for p in rest["photos"] if p["fileName"] == "mock-home-1.jpg")
    assert salon["roomName"] == "Salon" and salon["roomSource"] == "name"
    assert "sofa" in {item["label"] for item in salon["items"]}, salon["items"]
    assert summary["totalPackedVolume"] > 0

    for locale, lang in (("fr-FR", "fr"), ("en-US", "en")):
        page = new_page(browser, locale)
        errors = collect_console_errors(page)
        page.goto(live.entry_url(f"/batches/{batch_id}"))
        expect(page.locator("#conn")).to_have_attribute("data-state", "finished")

        # every room's item lines, named in the page's language
        groups = page.locator("#rooms-table tbody.room-group")
        expect(groups).to_have_count(len(summary["rooms"]))
        for index, room in enumerate(summary["rooms"]):
            group = groups.nth(index)
            expect(group.locator(".room-toggle")).to_have_attribute("aria-expanded", "true")
            names = [line[lang] for line in room["items"]]
            expect(group.locator(".item-row .item-label")).to_have_text(names)
        living = groups.filter(has_text="Salon")
        sofa = "Canapé" if lang == "fr" else "Sofa"
        expect(living.locator(".item-label").first).to_have_text(sofa)
        # folding a room away hides its lines, and says so
        toggle = living.locator(".room-toggle")
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "false")
        expect(living.locator(".item-row").first).to_be_hidden()
        toggle.click()
        expect(living.locator(".item-row").first).to_be_visible()

        # totals: items, furniture volume and packed volume
        expect(page.locator("#summary-items")).to_have_text(str(summary["totalItems"]))
        expect(page.locator("#total-packed")).to_have_text(
            cell_volume(summary["totalPackedVolume"], locale)
        )
        expect(page.locator("#summary-packed")).to_contain_text("m³")
        expect(page.locator("#summary-note")).to_be_hidden()  # final: not provisional

        # the photo's row: its room with where it came from, and its items
        row = page.locator(f'#photo-list > li[data-id="{salon["id"]}"]')
        expect(row.locator(".room")).to_have_text("Salon")
        expect(row.locator(".room-hint")).to_have_text(
            "d'après le nom du dossier" if lang == "fr" else "from folder name"
        )
        expect(row.locator(".photo-items")).to_contain_text(f"{sofa} ×1")

        # the viewer: one labelled box per item, where the payload puts it
        thumb = row.locator("button.thumb")
        thumb.click()
        dialog = page.get_by_role("dialog")
        expect(dialog).to_be_visible()
        expect(dialog).to_have_attribute("aria-modal", "true")
        expect(page.locator("#viewer-title")).to_have_text("mock-home-1.jpg")
        page.wait_for_function(PREVIEW_LOADED_JS)
        natural = page.evaluate(
            "() => [document.getElementById('viewer-img').naturalWidth,"
            " document.getElementById('viewer-img').naturalHeight]"
        )
        assert max(natural) <= 1280
        assert abs(natural[0] / natural[1] - salon["width"] / salon["height"]) < 0.01
        boxed = [item for item in salon["items"] if item.get("box")]
        drawn = page.evaluate(BOXES_JS)
        assert len(drawn) == len(boxed)
        by_label = {line["label"]: line for room in summary["rooms"] for line in room["items"]}
        for item in boxed:  # drawn largest first: find each item's box by where it is
            (box,) = [
                box
                for box in drawn
                if box["label"] == item["label"]
                and all(abs(a - b) < 0.01 for a, b in zip(box["rect"], item["box"], strict=True))
            ]
            assert box["text"].startswith(by_label[item["label"]][lang]), box
            percent = round(item["confidence"] * 100)
            assert box["text"].endswith(f"{percent}\u00a0%" if lang == "fr" else f"{percent}%"), box
        for i, one in enumerate(drawn):  # no label hides another
            for other in drawn[:i]:
                a, b = one["tag"], other["tag"]
                assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), drawn
        unboxed = [item for item in salon["items"] if not item.get("box")]
        expect(page.locator("#viewer-unboxed-list > li")).to_have_count(len(unboxed))

        # keyboard: focus stays inside, arrows step through the photos, Esc closes
        expect(page.locator("#viewer-close")).to_be_focused()
        for key in ["Tab"] * 5 + ["Shift+Tab"] * 5:
            page.keyboard.press(key)
            assert page.evaluate(FOCUS_IN_VIEWER_JS), key
        page.keyboard.press("ArrowRight")  # the other photo (of two: it wraps either way)
        expect(page.locator("#viewer-title")).to_have_text("mock-home-3.jpg")
        other = [photo["fileName"] for photo in rest["photos"]].index("mock-home-3.jpg") + 1
        position = f"{other} / 2"
        expect(page.locator("#viewer-position")).to_have_text(position)
        page.keyboard.press("ArrowLeft")
        expect(page.locator("#viewer-title")).to_have_text("mock-home-1.jpg")
        page.keyboard.press("Escape")
        expect(dialog).to_be_hidden()
        expect(page.locator("#viewer-boxes .viewer-box").first).to_be_hidden()
        expect(thumb).to_be_focused()  # back where the person was
        assert not errors, errors
        page.context.close()


def test_live_inventory_follows_the_servers_rule(browser: Any) -> None:
    """The provisional inventory the page shows while a batch runs: per room the largest
    count seen in one photo, near-duplicates add nothing, built-in items have no volume,
    labels no summary named yet have no volume; names and volumes learned from summaries."""
    page = new_page(browser)
    site = FakeOrigin(page)
    site.api[("GET", STREAM)] = lambda route, request: site.held.append(route)
    page.goto(site.url(f"/batches/{BATCH}"))
    result = page.evaluate(
        """() => {
      const book = Inventory.createBook();
      const learned = Inventory.learn(book, {rooms: [{items: [
        {label: 'chair', fr: 'Chaise', en: 'Chair', quantity: 2, unitVolume_m3: 0.142,
         volume_m3: 0.284, packedVolume_m3: 0.2, dismountable: true},
        {label: 'sink', fr: 'Évier', en: 'Sink', quantity: 1, unitVolume_m3: 0.1,
         volume_m3: 0, packedVolume_m3: 0, builtIn: true}]}]});
      const live = Inventory.createLive();
      const chairs = n => ({label: 'chair', quantity: n});
      [{id: 1, status: 'DONE', roomType: 'kitchen', items: [chairs(1), chairs(2), {label: 'sink'}]},
       {id: 2, status: 'DONE', roomType: 'kitchen', items: [chairs(2)]},
       {id: 3, status: 'DONE', roomType: 'kitchen', duplicateOf: 1, items: [chairs(9)]},
       {id: 4, status: 'DONE', roomType: 'bedroom', roomName: 'Chambre 2', items: [{label: 'bed'}]},
       {id: 5, status: 'PROCESSING', roomType: 'kitchen', items: [chairs(7)]}]
        .forEach(photo => Inventory.setPhoto(live, photo));
      const first = Inventory.summary(live, book, 'x');
      Inventory.setPhoto(live, {id: 1, status: 'PENDING'});  // retried: out until DONE again
      const second = Inventory.summary(live, book, 'x');
      return {learned, first, second,
              names: [Inventory.itemName(book, 'chair', 'fr'),
                      Inventory.itemName(book, 'dining_table', 'fr')]};
    }"""
    )
    assert result["learned"] is True
    first = result["first"]
    kitchen, bedroom = first["rooms"]
    assert (kitchen["roomType"], kitchen["photos"], kitchen["itemsCount"]) == ("kitchen", 3, 3)
    assert [(line["label"], line["quantity"], line["volume_m3"]) for line in kitchen["items"]] == [
        ("chair", 3, 0.426),
        ("sink", 1, 0),
    ]
    assert kitchen["items"][0]["packedVolume_m3"] == 0.3  # the learned packing factor
    assert (bedroom["roomName"], bedroom["items"][0]["volume_m3"]) == ("Chambre 2", None)
    assert first["unknownLines"] == 1 and first["totalItems"] == 4
    assert [line["quantity"] for line in result["second"]["rooms"][0]["items"]] == [2]
    assert result["names"] == ["Chaise", "Dining table"]
    page.context.close()


# ---- end to end: the start page ----------------------------------------------------------


def test_index_lists_batches_and_uploads_through_the_file_chooser(
    browser: Any, live: LiveServer, tmp_path: Path
) -> None:
    live.core.start()
    make_photo(tmp_path / "first" / "a.jpg", seed=11, size=(320, 240))
    first = live.core.create_batch([tmp_path / "first"], project="Maison").batch_id
    wait_until_final(live.core, first)
    uploads = [
        make_photo(tmp_path / "upload" / f"photo-{i}.jpg", seed=20 + i, size=(320, 240))
        for i in range(3)
    ]

    page = new_page(browser, "fr-FR")
    errors = collect_console_errors(page)
    page.goto(live.entry_url("/"))
    item = page.locator(f'#batch-list > li[data-batch-id="{first}"]')
    expect(item).to_have_count(1)
    expect(item.locator(".badge")).to_have_text("TERMINÉ")
    expect(item.locator(".batch-title")).to_contain_text(f"Lot #{first}")
    expect(item.locator(".batch-title")).to_contain_text("Maison")
    expect(item.locator("a")).to_have_attribute("href", f"/batches/{first}")

    page.locator("#project-input").fill("Déménagement Dupont")
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Choisir des photos").click()
    assert chooser.value.is_multiple()
    chooser.value.set_files([str(path) for path in uploads])

    page.wait_for_url(re.compile(r"/batches/\d+$"))
    new_id = int(urlparse(page.url).path.rsplit("/", 1)[1])
    assert new_id != first
    expect(page.locator("#status-badge")).to_have_text("TERMINÉ", timeout=60_000)
    expect(page.locator("#photo-list > li")).to_have_count(3)
    expect(page.locator("#batch-meta")).to_contain_text("Déménagement Dupont")

    page.get_by_role("link", name="Retour à la liste").click()
    expect(page.locator("#batch-list > li")).to_have_count(2)
    expect(page.locator("#batch-list > li").first).to_have_attribute("data-batch-id", str(new_id))
    assert not errors, errors
    page.context.close()


def test_a_folder_uploaded_from_the_page_keeps_its_room_folders(
    browser: Any, live: LiveServer, tmp_path: Path
) -> None:
    """The folder picker sends each file's path inside the folder: rooms come from the
    sub-folders' names, as they do for a folder dropped on the window."""
    live.core.start()
    drop = tmp_path / "Maison"
    make_photo(drop / "Salon" / "IMG_0001.jpg", seed=31, size=(320, 240))
    make_photo(drop / "Salon" / "IMG_0002.jpg", seed=32, size=(320, 240))
    make_photo(drop / "Cuisine" / "IMG_0003.jpg", seed=33, size=(320, 240))

    page = new_page(browser, "fr-FR")
    errors = collect_console_errors(page)
    page.goto(live.entry_url("/"))
    page.locator("#folder-input").set_input_files(str(drop))
    page.wait_for_url(re.compile(r"/batches/\d+$"))
    batch_id = int(urlparse(page.url).path.rsplit("/", 1)[1])
    expect(page.locator("#status-badge")).to_have_text("TERMINÉ", timeout=60_000)

    state = wait_until_final(live.core, batch_id)
    rooms = {photo["fileName"]: (photo["roomType"], photo["roomName"]) for photo in state["photos"]}
    assert rooms == {
        "IMG_0001.jpg": ("living_room", "Salon"),
        "IMG_0002.jpg": ("living_room", "Salon"),
        "IMG_0003.jpg": ("kitchen", "Cuisine"),
    }
    names = {room["roomName"] for room in state["inventorySummary"]["rooms"]}
    assert names == {"Salon", "Cuisine"}
    expect(page.locator("#photo-list > li").filter(has_text="IMG_0003.jpg")).to_contain_text(
        "Cuisine"
    )
    assert not errors, errors
    page.context.close()


def test_a_link_signs_the_browser_in_once_with_a_session_cookie(
    browser: Any, live: LiveServer
) -> None:
    page = new_page(browser, "en-US")
    link = live.entry_url("/")
    page.goto(link)
    assert page.url == f"{live.origin}/"
    expect(page.locator("#list-status")).to_have_text("No batch yet. Drop some photos to start.")
    (cookie,) = page.context.cookies()
    assert cookie["name"] == f"photolot_{live.port}"
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert cookie["value"] != live.token and cookie["value"] not in link
    assert page.evaluate("() => document.cookie") == ""  # out of the scripts' reach
    page.context.close()

    # the same link in another browser: already spent
    other = new_page(browser, "en-US")
    response = other.goto(link)
    assert response is not None and response.status == 401
    expect(other.locator("h1").first).to_have_text("Open this page from PhotoLot")
    assert other.context.cookies() == []
    other.context.close()


# ---- client logic against scripted streams -------------------------------------------------

BATCH = 7
STREAM = f"/api/batches/{BATCH}/stream"


def test_resumes_with_last_event_id_and_updates_rows_in_place(browser: Any) -> None:
    """1,500 photos; the connection drops after the snapshot; the page comes back with
    ?lastEventId= and applies the replayed deltas to the rows it already has."""
    page = new_page(browser, "en-US")
    site = FakeOrigin(page)
    photos = [photo(i) for i in range(1, 1501)]
    calls: list[str] = []

    def replay() -> list[str]:
        """Every photo processed in 500 deltas (3 photos each), the 1,500th failing."""
        events = []
        for start in range(0, 1500, 3):
            for item in photos[start : start + 3]:
                item.update(photo(item["id"], "DONE"))
            if start == 1497:
                photos[-1].update(
                    photo(
                        1500, "ERROR", errorCode="corrupt", errorMessage="The picture is damaged."
                    )
                )
            delta = state_payload(BATCH, photos)
            delta["photos"] = [dict(item) for item in photos[start : start + 3]]
            events.append(sse("progress", delta, 42 + start // 3))
        final = state_payload(BATCH, photos)
        final["inventorySummary"] = {
            "totalItems": 0,
            "totalVolume": 0,
            "rooms": [{"roomType": "living_room", "photos": 1499, "itemsCount": 0, "volume_m3": 0}],
            "analyzer": "offline",
        }
        events.append(sse("complete", final))
        return events

    def stream(route: Any, request: Any) -> None:
        calls.append(request.url)
        if len(calls) == 1:  # the snapshot, then the connection drops
            stream_reply(route, sse("progress", state_payload(BATCH, photos, snapshot=True), 41))
            return
        if len(calls) > 2:  # a finished batch's page comes back quietly (?follow=1): a ping
            stream_reply(route, sse("ping", {"timestamp": 1}))
            return
        # The page's own reconnection (after its backoff): before answering, mark the
        # rows drawn from the snapshot, to see below that the deltas reuse them.
        marked = page.evaluate(
            """() => {
              const rows = document.querySelectorAll('#photo-list > li');
              rows.forEach(li => { li.marked = true; });
              return [rows.length, document.getElementById('conn').dataset.state];
            }"""
        )
        assert marked == [1500, "reconnecting"], marked
        stream_reply(route, *replay())

    site.api[("GET", STREAM)] = stream
    page.goto(site.url(f"/batches/{BATCH}?debug=1"))
    expect(page.locator("#photo-list > li")).to_have_count(1500)
    expect(page.locator("#status-badge")).to_have_text("PARTIAL")
    expect(page.locator("#conn")).to_have_attribute("data-state", "finished")
    expect(page.locator("#count-completed")).to_have_text("1,499")
    expect(page.locator("#count-failed")).to_have_text("1")
    expect(page.locator("#percent")).to_have_text("100%")
    expect(page.locator('#photo-list > li[data-status="DONE"]')).to_have_count(1499)
    expect(page.locator('#photo-list > li[data-id="1500"] .photo-error')).to_have_text(
        "The picture is damaged."
    )
    # the same 1,500 elements, updated in place: none was re-created
    assert page.evaluate(
        "() => Array.from(document.querySelectorAll('#photo-list > li')).every(li => li.marked)"
    )
    expect(page.locator("#debug-totals")).to_contain_text("last id: 541")
    assert [last_event_id(url) for url in calls[:2]] == [None, "41"]
    # after `complete` the page stays finished; a stream that drops then is reopened
    # quietly from the last id (?follow=1, for corrections), never replayed from scratch
    assert all(last_event_id(url) == "541" for url in site.stream_urls(BATCH)[2:])
    expect(page.locator("#conn")).to_have_attribute("data-state", "finished")
    page.context.close()


def test_timeout_event_reconnects_at_once_with_the_last_id(browser: Any) -> None:
    page = new_page(browser, "en-US")
    site = FakeOrigin(page)
    photos = [photo(1, "DONE"), photo(2, "PROCESSING")]
    answers = [
        [
            sse("progress", state_payload(BATCH, photos, snapshot=True), 10),
            sse("timeout", {"reconnect": True}),
        ],
        [
            sse("progress", state_payload(BATCH, [photo(1, "DONE"), photo(2, "DONE")]), 11),
            sse("complete", state_payload(BATCH, [photo(1, "DONE"), photo(2, "DONE")])),
        ],
    ]
    site.api[("GET", STREAM)] = lambda route, request: stream_reply(route, *answers.pop(0))
    page.goto(site.url(f"/batches/{BATCH}?debug=1"))
    expect(page.locator("#status-badge")).to_have_text("COMPLETED")
    expect(page.locator("#conn")).to_have_attribute("data-state", "finished")
    urls = site.stream_urls(BATCH)
    assert [last_event_id(url) for url in urls] == [None, "10"]
    # straight back, without the backoff of a lost connection
    notes = page.locator("#debug-body td:nth-child(2)").all_text_contents()
    assert "timeout" in notes
    assert not [note for note in notes if note.startswith("(reconnect in")], notes
    page.context.close()


def test_gives_up_after_five_attempts_then_retries_on_demand(browser: Any) -> None:
    page = new_page(browser, "fr-FR")
    page.clock.install()  # the backoff timers run on Playwright's clock
    site = FakeOrigin(page)
    site.api[("GET", STREAM)] = lambda route, request: route.abort("connectionrefused")
    site.api[("GET", f"/api/batches/{BATCH}")] = lambda route, request: route.abort(
        "connectionrefused"
    )
    page.goto(site.url(f"/batches/{BATCH}"))
    conn = page.locator("#conn-text")
    for attempt in range(1, 6):
        expect(conn).to_have_text(f"Connexion perdue, reconnexion {attempt}/5…")
        page.clock.run_for(31_000)  # past the longest delay (16 s + 20 % jitter)
    expect(page.locator("#conn")).to_have_attribute("data-state", "error")
    expect(conn).to_have_text("Connexion impossible au suivi en temps réel.")
    assert len(site.stream_urls(BATCH)) == 6  # the first try and five reconnections
    page.clock.run_for(120_000)
    assert len(site.stream_urls(BATCH)) == 6  # and then it stopped

    # the person's retry starts over with a working stream
    payload = state_payload(BATCH, [photo(1, "DONE")], snapshot=True)
    site.api[("GET", STREAM)] = lambda route, request: stream_reply(
        route, sse("progress", payload, 3), sse("complete", payload)
    )
    page.get_by_role("button", name="Réessayer").click()
    expect(page.locator("#status-badge")).to_have_text("TERMINÉ")
    expect(page.locator("#conn")).to_have_attribute("data-state", "finished")
    expect(page.get_by_role("button", name="Réessayer")).to_be_hidden()
    page.context.close()


def test_server_error_event_is_shown_and_not_retried(browser: Any) -> None:
    page = new_page(browser, "en-US")
    page.clock.install()
    site = FakeOrigin(page)
    payload = state_payload(BATCH, [photo(1, "PROCESSING")], snapshot=True)
    site.api[("GET", STREAM)] = lambda route, request: stream_reply(
        route,
        sse("progress", payload, 5),
        sse("error", {"code": "batch_not_found", "message": "This batch no longer exists."}),
    )
    page.goto(site.url(f"/batches/{BATCH}"))
    expect(page.locator("#conn")).to_have_attribute("data-state", "error")
    expect(page.locator("#conn-text")).to_have_text("This batch no longer exists.")
    expect(page.get_by_role("button", name="Retry", exact=True)).to_be_visible()
    expect(page.locator("#announcer")).to_contain_text("Live progress is interrupted.")
    page.clock.run_for(120_000)
    assert len(site.stream_urls(BATCH)) == 1
    page.context.close()


def test_transient_server_error_event_reconnects_with_backoff(browser: Any) -> None:
    """Like the window (ui/sse_client.py): only fatal codes stop the page; a
    `server_error` is retried from the last id, with the backoff and its limit."""
    page = new_page(browser, "en-US")
    page.clock.install()
    site = FakeOrigin(page)
    snapshot = [photo(1, "DONE"), photo(2, "PROCESSING"), photo(3, "PENDING")]
    delta = state_payload(BATCH, [photo(1, "DONE"), photo(2, "DONE"), photo(3, "PENDING")])
    delta["photos"] = [photo(2, "DONE")]
    final = state_payload(BATCH, [photo(1, "DONE"), photo(2, "DONE"), photo(3, "DONE")])
    oops = {"code": "server_error", "message": "PhotoLot hit an unexpected problem."}
    answers = [
        [sse("progress", state_payload(BATCH, snapshot, snapshot=True), 5), sse("error", oops)],
        [sse("progress", delta, 6), sse("error", oops)],
        [sse("complete", final)],
    ]
    seen: list[list[str]] = []  # the page as each reconnection arrives

    def stream(route: Any, request: Any) -> None:
        seen.append(
            page.evaluate(
                """() => [document.getElementById('conn').dataset.state,
                          document.getElementById('conn-text').textContent,
                          document.getElementById('count-completed').textContent]"""
            )
        )
        stream_reply(route, *answers.pop(0))

    site.api[("GET", STREAM)] = stream
    page.goto(site.url(f"/batches/{BATCH}?debug=1"))
    # the clock runs only once each stream has been answered (else the stall timer fires)
    expect(page.locator("#count-completed")).to_have_text("1")
    page.clock.run_for(31_000)  # past the longest first delay
    expect(page.locator("#count-completed")).to_have_text("2")
    page.clock.run_for(31_000)
    expect(page.locator("#status-badge")).to_have_text("COMPLETED")
    expect(page.locator("#conn")).to_have_attribute("data-state", "finished")
    expect(page.locator("#count-completed")).to_have_text("3")
    reconnecting = ["reconnecting", "Connection lost, reconnecting 1/5…"]
    assert seen[1:] == [[*reconnecting, "1"], [*reconnecting, "2"]], seen
    assert [last_event_id(url) for url in site.stream_urls(BATCH)] == [None, "5", "6"]
    notes = page.locator("#debug-body td:nth-child(2)").all_text_contents()
    assert notes.count("error") == 2
    assert len([note for note in notes if note.startswith("(reconnect in")]) == 2, notes
    page.context.close()

    # a stream that fails every time gives up after five reconnections, saying why
    page = new_page(browser, "en-US")
    page.clock.install()
    site = FakeOrigin(page)
    site.api[("GET", STREAM)] = lambda route, request: stream_reply(route, sse("error", oops))
    page.goto(site.url(f"/batches/{BATCH}"))
    for attempt in range(1, 6):
        expect(page.locator("#conn-text")).to_have_text(
            f"Connection lost, reconnecting {attempt}/5…"
        )
        page.clock.run_for(31_000)
    expect(page.locator("#conn")).to_have_attribute("data-state", "error")
    expect(page.locator("#conn-text")).to_have_text("PhotoLot hit an unexpected problem.")
    assert len(site.stream_urls(BATCH)) == 6
    page.clock.run_for(120_000)
    assert len(site.stream_urls(BATCH)) == 6
    page.context.close()


def test_missing_batch_says_so_instead_of_reconnecting(browser: Any) -> None:
    page = new_page(browser, "en-US")
    site = FakeOrigin(page)
    site.api[("GET", STREAM)] = lambda route, request: json_reply(
        route, 404, {"error": {"code": "batch_not_found", "message": "There is no batch 7."}}
    )
    site.api[("GET", f"/api/batches/{BATCH}")] = site.api[("GET", STREAM)]
    page.goto(site.url(f"/batches/{BATCH}"))
    expect(page.locator("#conn")).to_have_attribute("data-state", "error")
    expect(page.locator("#conn-text")).to_have_text("There is no batch 7.")
    assert len(site.stream_urls(BATCH)) == 1
    page.context.close()


def test_merge_functions_and_backoff(browser: Any) -> None:
    page = new_page(browser)
    site = FakeOrigin(page)
    site.api[("GET", STREAM)] = lambda route, request: site.held.append(route)
    page.goto(site.url(f"/batches/{BATCH}"))
    result = page.evaluate(
        """() => {
      const s = BatchState.create(7);
      const snap = {snapshot: true, status: 'PROCESSING', progress: 50,
        counts: {queued: 0, processing: 1, completed: 1, failed: 0, total: 2},
        photos: [{id: 1, status: 'DONE', fileName: 'a'},
                 {id: 2, status: 'PROCESSING', fileName: 'b'}]};
      const first = BatchState.apply(s, snap);
      const delta = BatchState.apply(s, {status: 'COMPLETED', progress: 100,
        counts: {queued: 0, processing: 0, completed: 2, failed: 0, total: 2},
        photos: [{id: 2, status: 'DONE'}]});
      const merged = Object.assign({}, s.photos.get(2));
      const again = BatchState.apply(s, {snapshot: true, photos: [{id: 2, status: 'DONE'}],
        counts: {completed: 1, total: 1}, status: 'COMPLETED', progress: 100});
      return {
        first: [first.full, first.changed, first.statusChanged],
        delta: [delta.full, delta.changed, delta.statusChanged, merged],
        again: [again.removed, s.order, s.counts],
        delays: [1, 2, 3, 4, 5, 6, 9].map(
          n => [BatchState.backoffDelay(n, 0), BatchState.backoffDelay(n, 1)]),
        url: BatchState.streamUrl(7, '42'),
      };
    }"""
    )
    assert result["first"] == [True, [1, 2], True]
    assert result["delta"] == [
        False,
        [2],
        True,
        {"id": 2, "status": "DONE", "fileName": "b"},  # merged: the name stays
    ]
    assert result["again"] == [
        [1],
        [2],
        {"queued": 0, "processing": 0, "completed": 1, "failed": 0, "total": 1},
    ]
    assert result["delays"] == [
        [800, 1200],
        [1600, 2400],
        [3200, 4800],
        [6400, 9600],
        [12800, 19200],
        [24000, 30000],  # capped at 30 s, then jittered down to 24 s at most
        [24000, 30000],
    ]
    assert result["url"] == "/api/batches/7/stream?follow=1&lastEventId=42"
    page.context.close()


def test_upload_errors_are_explained(browser: Any, tmp_path: Path) -> None:
    page = new_page(browser, "en-US")
    site = FakeOrigin(page)
    site.api[("GET", "/api/batches")] = lambda route, request: json_reply(
        route, 200, {"batches": []}
    )
    answers = [
        (
            422,
            {
                "error": {
                    "code": "nothing_to_import",
                    "message": "None of the dropped files is a photo PhotoLot can read.",
                    "skipped": [
                        {
                            "name": "notes.txt",
                            "reason": "not_an_image: the content is not a picture",
                        }
                    ],
                }
            },
        ),
        (413, {"error": {"code": "too_large", "message": "The upload is too large."}}),
    ]
    site.api[("POST", "/api/batches")] = lambda route, request: json_reply(route, *answers.pop(0))
    page.goto(site.url("/"))
    expect(page.locator("#list-status")).to_have_text("No batch yet. Drop some photos to start.")
    file = tmp_path / "notes.txt"
    file.write_text("not a photo")

    page.locator("#file-input").set_input_files(str(file))
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("None of the files is a photo PhotoLot can read.")
    expect(alert.locator("li")).to_have_text(
        ["notes.txt — not a picture (the content is not a picture)"]
    )

    page.locator("#file-input").set_input_files(str(file))
    expect(alert).to_contain_text("the files are too large for one upload")
    expect(alert.locator("li")).to_have_count(0)
    assert urlparse(page.url).path == "/"
    page.context.close()


def test_drop_anywhere_on_the_page_uploads_and_opens_the_batch(browser: Any) -> None:
    page = new_page(browser, "fr-FR")
    site = FakeOrigin(page)
    site.api[("GET", "/api/batches")] = lambda route, request: json_reply(
        route, 200, {"batches": []}
    )
    site.api[("POST", "/api/batches")] = lambda route, request: json_reply(
        route, 201, {"batchId": 12, "photosCount": 2, "skipped": [], "notices": []}
    )
    payload = state_payload(12, [photo(1, "DONE"), photo(2, "DONE")], snapshot=True)
    site.api[("GET", "/api/batches/12/stream")] = lambda route, request: stream_reply(
        route, sse("progress", payload, 4), sse("complete", payload)
    )
    page.goto(site.url("/"))
    expect(page.locator("#list-status")).to_have_text(
        "Aucun lot pour l'instant. Déposez des photos pour commencer."
    )
    files = page.evaluate_handle(
        """() => {
          const dt = new DataTransfer();
          dt.items.add(new File(['one'], 'salon-1.jpg', {type: 'image/jpeg'}));
          dt.items.add(new File(['two'], 'cuisine.heic', {type: 'image/heic'}));
          return dt;
        }"""
    )
    page.dispatch_event("h1", "dragenter", {"dataTransfer": files})
    expect(page.locator("#drop-overlay")).to_be_visible()
    expect(page.locator("#drop-overlay")).to_have_text("Lâchez pour créer un nouveau lot")
    with page.expect_request(lambda request: request.method == "POST") as upload:
        page.dispatch_event("h1", "drop", {"dataTransfer": files})
    body = upload.value.post_data_buffer or b""
    assert b'name="files"; filename="salon-1.jpg"' in body
    assert b'name="files"; filename="cuisine.heic"' in body
    page.wait_for_url(site.url("/batches/12"))
    expect(page.locator("#status-badge")).to_have_text("TERMINÉ")
    page.context.close()
