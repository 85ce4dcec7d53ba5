"""The queue page (/queue) and the batch page's queue buttons in a real browser: Debian's
Chromium driven by Playwright, on the real server and a real Core ("names" analyzer: rooms
from folder names, no detector).

- /queue shows a batch made by `core.create_batch` while the workers are stopped, then its
  counts move live once they start (held mid-way by a gate, then let go) up to COMPLETED;
  the workers' lines say which file and stage; a batch's photos open on demand and follow
  its counts; the page asks for nothing but the stream (no polling).
- Issue 14's acceptance: Pause pressed on the page stops the window's progress, in the
  same process (the real MainWindow on the same server): the page and the window say
  PAUSED, no photo of the batch starts after the pause event, and Resume finishes it.
- The batch page's Pause / Resume / Cancel (with its confirmation) buttons.
- "Clean finished batches older than 0 days" removes them from the page live.
- A screenshot in French: two running batches, one paused, a finished one's photos open.

No sleeps: Playwright's auto-waiting assertions and qtbot.waitUntil.
"""

from __future__ import annotations

import json
import os
import re
import threading
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
    json_reply,
    live_server,
    new_page,
    playwright_expect,
    sse,
    stream_reply,
)
from tests.conftest import REPO, wait_until_final
from tests.helpers import make_photo

expect = playwright_expect()

pytestmark = BROWSER_MARKS

DOCS = REPO / "docs"
WAIT = 30_000  # ms
PAUSED_FR = "mis en pause : les photos en cours se terminent, les autres attendent."


# ---- fixtures ------------------------------------------------------------------------------


@pytest.fixture
def live(data_dir: Path) -> Iterator[LiveServer]:
    """A Core that names rooms from folders (not started: the test decides when the
    workers run) and the real server."""
    from desktopapp.core.services import Core
    from desktopapp.platform.settings import Settings

    core = Core(Settings(data_dir=data_dir, workers=2, analyzer="names"))
    with live_server(core) as server:
        yield server


def drop(folder: Path, count: int, seed: int = 0, size: tuple[int, int] = (320, 240)) -> Path:
    for i in range(count):
        make_photo(folder / f"IMG_{seed + i:04d}.jpg", seed=seed + i, size=size)
    return folder


def qrow(page: Any, batch_id: int) -> Any:
    return page.locator(f'#queue-list > li.qbatch[data-batch-id="{batch_id}"]')


def count(row: Any, kind: str) -> Any:
    return row.locator(f'.qcount[data-kind="{kind}"] .qcount-value')


def action(row: Any, name: str) -> Any:
    return row.locator(f'.qbatch-actions button[data-action="{name}"]')


def watch_requests(page: Any) -> list[str]:
    paths: list[str] = []
    lock = threading.Lock()

    def seen(request: Any) -> None:
        with lock:
            paths.append(f"{request.method} {urlparse(request.url).path}")

    page.on("request", seen)
    return paths


# ---- the page follows the queue ------------------------------------------------------------


def test_the_queue_page_shows_a_waiting_batch_then_its_counts_move_live(
    browser: Any, live: LiveServer, tmp_path: Path
) -> None:
    from tests.ui_helpers import Gate

    gate = Gate(live.core, free=4, furniture=False)  # 4 photos, then the workers wait
    try:
        batch_id = live.core.create_batch([drop(tmp_path / "Salon", 10)]).batch_id
        page = new_page(browser)
        errors = collect_console_errors(page)
        requests = watch_requests(page)
        page.goto(live.entry_url("/queue"))
        assert urlparse(page.url).path == "/queue"  # the ticket signed the browser in
        expect(page.locator("#queue-conn")).to_have_attribute("data-state", "live")
        expect(page.locator("#queue-conn-text")).to_have_text("En direct")
        expect(page).to_have_title("File d'attente — PhotoLot")

        # the workers are stopped: the batch waits
        row = qrow(page, batch_id)
        expect(row.locator(".qbatch-name")).to_have_text(f"Lot #{batch_id}")
        expect(row.locator(".badge")).to_have_text("EN ATTENTE")
        expect(count(row, "queued")).to_have_text("10")
        expect(count(row, "completed")).to_have_text("0")
        expect(row.locator('.qcount[data-kind="cancelled"]')).to_be_hidden()
        expect(row.locator(".qbatch-position")).to_have_text("n° 1 dans la file")
        expect(row.locator(".qbatch-eta")).to_have_text("Fin estimée —")  # no pace yet
        expect(page.locator("#fig-waiting")).to_have_text("10")
        expect(page.locator("#fig-workers")).to_have_text("0 / 2")
        expect(page.locator("#workers-idle")).to_have_text("2 postes libres")
        expect(page.locator("#workers-none")).to_be_visible()
        expect(action(row, "pause")).to_be_visible()
        expect(action(row, "resume")).to_be_hidden()
        expect(action(row, "retry")).to_be_hidden()
        expect(action(row, "front")).to_be_disabled()  # already first

        # its photos, on demand
        action(row, "photos").click()
        expect(action(row, "photos")).to_have_attribute("aria-expanded", "true")
        photos = row.locator(".qdetail-table tbody tr")
        expect(photos).to_have_count(10)
        expect(photos.first.locator('[data-col="status"]')).to_have_text("En attente")
        expect(photos.first.locator('[data-col="total"]')).to_have_text("—")

        # the workers start: four photos done, then each worker holds one (the gate)
        live.core.start()
        expect(count(row, "completed")).to_have_text("4", timeout=WAIT)
        expect(count(row, "processing")).to_have_text("2")
        expect(count(row, "queued")).to_have_text("4")
        expect(row.locator(".badge")).to_have_text("EN COURS")
        expect(row.locator(".qbatch-eta")).to_have_text(
            # "Fin estimée ≈ 12 s", "≈ 1 min 05 s"…: a figure once there is a pace
            re.compile(r"^Fin estimée ≈ \d+ (s|min)")
        )
        workers = page.locator("#worker-list > li")
        expect(workers).to_have_count(2)
        expect(workers.locator(".worker-stage")).to_have_text(["détection", "détection"])
        expect(workers.first.locator(".worker-file")).to_have_text(re.compile(r"^IMG_\d{4}\.jpg$"))
        expect(workers.first.locator(".worker-batch")).to_have_text(f"Lot #{batch_id}")
        expect(page.locator("#fig-workers")).to_have_text("2 / 2")
        expect(page.locator("#workers-idle")).to_have_text("0 poste libre")
        # the open photos followed the counts
        expect(row.locator('.qdetail-table tbody tr[data-status="DONE"]')).to_have_count(4)
        expect(row.locator('.qdetail-table tbody tr[data-status="PROCESSING"]')).to_have_count(2)
        done = row.locator('.qdetail-table tbody tr[data-status="DONE"]').first
        expect(done.locator('[data-col="attempts"]')).to_have_text("1")
        for stage in ("wait", "copy", "decode", "detect", "write", "total"):
            expect(done.locator(f'[data-col="{stage}"]')).to_have_text(
                re.compile(r"^\d[\d,]* (ms|s)$")
            )

        gate.open()
        expect(row.locator(".badge")).to_have_text("TERMINÉ", timeout=WAIT)
        expect(count(row, "completed")).to_have_text("10")
        expect(count(row, "queued")).to_have_text("0")
        expect(row.locator(".qbatch-eta")).to_have_text("")
        expect(action(row, "pause")).to_be_hidden()
        expect(action(row, "cancel")).to_be_hidden()
        expect(row.locator('.qbatch-stats [data-kind="lastMinute"] dd')).to_have_text("10 photos")
        expect(row.locator('.qbatch-stats [data-kind="processing"] dd')).not_to_have_text("— / —")
        expect(row.locator('.qdetail-table tbody tr[data-status="DONE"]')).to_have_count(10)
        expect(page.locator("#worker-list > li")).to_have_count(0)
        expect(page.locator("#fig-throughput")).to_have_text("10")

        # the ETA's words, as the issue writes them
        formatted = page.evaluate(
            "() => [QueueView.eta(150), QueueView.eta(45.4), QueueView.eta(3900),"
            " QueueView.eta(null), QueueView.duration(0.085), QueueView.duration(1.25)]"
        )
        assert formatted == ["≈ 2 min 30 s", "≈ 45 s", "≈ 1 h 05 min", "—", "85 ms", "1,3 s"]

        # no polling: one stream, the page's files, and the photos read when they changed
        api = [entry for entry in requests if " /api/" in entry]
        assert api.count("GET /api/queue/stream") == 1, api
        assert set(api) <= {"GET /api/queue/stream", f"GET /api/queue/batches/{batch_id}"}, api
        assert not errors, errors
        page.context.close()
    finally:
        gate.restore()


# ---- issue 14's acceptance: the page's Pause stops the window ---------------------------


@pytest.mark.qt_log_ignore(
    "This plugin does not support propagateSizeHints", "This plugin does not support raise"
)
def test_pause_on_the_page_stops_the_windows_progress_then_resume_completes(
    qtbot: Any, browser: Any, data_dir: Path, tmp_path: Path
) -> None:
    from desktopapp.core import journal, state
    from desktopapp.server.context import CONTEXT
    from tests.ui_helpers import Gate, LiveStack, open_window

    stack = LiveStack(data_dir, workers=1, analyzer="names")  # its workers run at once
    gate = Gate(stack.core, free=10, furniture=False)  # the 11th photo waits mid-way
    window = None
    try:
        stack.start_server()
        folder = drop(tmp_path / "Maison", 150, size=(640, 480))
        batch_id = stack.core.create_batch([folder]).batch_id

        # the window, in this process, on the same server
        window = open_window(qtbot, stack, data_dir, lang="fr", size=(1240, 860))
        window.show_batch(batch_id)

        def client() -> Any:
            return window.progress.client

        qtbot.waitUntil(
            lambda: client() is not None and client().state.counts["completed"] >= 10,
            timeout=WAIT,
        )
        qtbot.waitUntil(lambda: gate.waiting == 1, timeout=WAIT)  # the 11th is in flight
        assert client().state.status == "PROCESSING"

        page = new_page(browser)
        errors = collect_console_errors(page)
        ticket = stack.server.app[CONTEXT].tickets.mint()
        page.goto(f"{stack.base_url}/queue?token={ticket}")
        row = qrow(page, batch_id)
        expect(row.locator(".badge")).to_have_text("EN COURS")
        expect(count(row, "completed")).to_have_text("10")
        expect(count(row, "processing")).to_have_text("1")

        # Pause, on the page
        action(row, "pause").click()
        expect(row.locator(".badge")).to_have_text("EN PAUSE")
        expect(row.locator(".badge")).to_have_attribute("data-status", "PAUSED")
        expect(row.locator(".qbatch-eta")).to_have_text("En pause")
        expect(page.locator("#queue-message")).to_have_text(f"Lot #{batch_id} {PAUSED_FR}")
        expect(action(row, "pause")).to_be_hidden()
        expect(action(row, "resume")).to_be_visible()

        # the window says PAUSED: its state, its badge
        qtbot.waitUntil(lambda: client().state.status == "PAUSED", timeout=WAIT)
        qtbot.waitUntil(lambda: window.progress.badge.status == "PAUSED", timeout=WAIT)
        (paused,) = [
            e for e in journal.events_after(batch_id, 0, 1_000_000) if e.type == "batch.paused"
        ]

        # the photo in flight finishes; no other starts
        gate.open()
        qtbot.waitUntil(
            lambda: (
                client().state.counts["processing"] == 0
                and client().state.counts["completed"] == 11
            ),
            timeout=WAIT,
        )
        expect(count(row, "completed")).to_have_text("11")
        expect(count(row, "processing")).to_have_text("0")
        expect(count(row, "queued")).to_have_text("139")
        expect(row.locator(".badge")).to_have_text("EN PAUSE")
        after = journal.events_after(batch_id, paused.id, 1_000_000)
        assert not [e for e in after if e.type == "photo.processing"], [e.type for e in after]
        counts = state.batch_counts(batch_id)
        assert (counts.completed, counts.processing, counts.queued) == (11, 0, 139)
        assert client().state.counts["completed"] == 11  # the window's count stopped there
        assert client().state.status == "PAUSED"

        # Resume, on the page: the batch completes in both clients
        action(row, "resume").click()
        expect(page.locator("#queue-message")).to_have_text(f"Lot #{batch_id} reprend.")
        qtbot.waitUntil(lambda: client().state.status == "COMPLETED", timeout=120_000)
        assert client().state.counts["completed"] == 150
        assert window.progress.badge.status == "COMPLETED"
        expect(row.locator(".badge")).to_have_text("TERMINÉ")
        expect(count(row, "completed")).to_have_text("150")
        done = [e for e in journal.events_after(batch_id, 0, 1_000_000) if e.type == "photo.done"]
        assert len({p["id"] for e in done for p in e.payload["photos"]}) == 150
        assert not errors, errors
        page.context.close()
    finally:
        gate.restore()
        if window is not None:
            window.close()
        stack.stop()


# ---- the batch page's buttons -----------------------------------------------------------------


def test_the_batch_pages_pause_resume_and_cancel_buttons(
    browser: Any, live: LiveServer, tmp_path: Path
) -> None:
    batch_id = live.core.create_batch([drop(tmp_path / "Cuisine", 6)]).batch_id
    page = new_page(browser)
    errors = collect_console_errors(page)
    page.goto(live.entry_url(f"/batches/{batch_id}"))
    badge = page.locator("#status-badge")
    pause, resume, cancel = (
        page.locator(f"#{name}-batch") for name in ("pause", "resume", "cancel")
    )
    expect(badge).to_have_text("EN ATTENTE")
    expect(pause).to_be_visible()
    expect(pause).to_have_text("Mettre en pause")
    expect(resume).to_be_hidden()
    expect(cancel).to_be_visible()
    expect(page.locator("#counter-cancelled")).to_be_hidden()
    expect(page.locator("#queue-link")).to_have_attribute("href", "/queue")

    pause.click()
    expect(badge).to_have_text("EN PAUSE")
    expect(badge).to_have_attribute("data-status", "PAUSED")
    expect(page.locator("#progressbar")).to_have_attribute("data-status", "PAUSED")
    expect(pause).to_be_hidden()
    expect(resume).to_be_visible()
    expect(resume).to_be_enabled()
    expect(page.locator("#action-message")).to_have_text(f"Lot #{batch_id} {PAUSED_FR}")
    assert live.core.snapshot(batch_id)["paused"] is True
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator("#main .batch-head").screenshot(path=str(ARTIFACTS / "batch-page-paused.png"))

    resume.click()
    expect(badge).to_have_text("EN ATTENTE")  # the workers are stopped: queued again
    expect(pause).to_be_visible()
    expect(resume).to_be_hidden()
    assert live.core.snapshot(batch_id)["paused"] is False

    # Cancel asks first; "Retour" leaves the batch alone
    cancel.click()
    dialog = page.locator("#cancel-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#cancel-title")).to_have_text(f"Annuler « Lot #{batch_id} » ?")
    expect(page.locator("#cancel-text")).to_contain_text("6 photos en attente seront annulées")
    expect(page.locator("#cancel-back")).to_be_focused()
    page.locator("#cancel-back").click()
    expect(dialog).to_be_hidden()
    assert live.core.snapshot(batch_id)["status"] == "QUEUED"
    cancel.click()
    page.locator("#cancel-confirm").click()
    expect(badge).to_have_text("ANNULÉ")
    expect(badge).to_have_attribute("data-status", "CANCELLED")
    expect(page.locator("#counter-cancelled")).to_be_visible()
    expect(page.locator("#count-cancelled")).to_have_text("6")
    expect(page.locator("#count-queued")).to_have_text("0")
    expect(pause).to_be_hidden()
    expect(resume).to_be_hidden()
    expect(cancel).to_be_hidden()
    expect(page.locator('#photo-list > li[data-status="CANCELLED"]')).to_have_count(6)
    expect(page.locator("#photo-list > li .photo-state").first).to_have_text("Annulée")
    expect(page.locator("#action-message")).to_have_text(
        f"Lot #{batch_id} annulé : 6 photos annulées."
    )
    snap = live.core.snapshot(batch_id)
    assert snap["status"] == "CANCELLED" and snap["counts"]["cancelled"] == 6
    page.locator("#main .batch-head").screenshot(path=str(ARTIFACTS / "batch-page-cancelled.png"))

    # the start page links to the queue and counts the cancelled photos
    page.goto(f"http://127.0.0.1:{live.port}/")
    item = page.locator(f'#batch-list > li[data-batch-id="{batch_id}"]')
    expect(item.locator(".badge")).to_have_text("ANNULÉ")
    expect(item).to_contain_text("6 annulées")
    page.locator("#queue-link").click()
    page.wait_for_url(f"http://127.0.0.1:{live.port}/queue")
    expect(qrow(page, batch_id).locator(".badge")).to_have_text("ANNULÉ")
    expect(count(qrow(page, batch_id), "cancelled")).to_have_text("6")
    assert not errors, errors
    page.context.close()


def test_the_queue_pages_cancel_and_front_buttons(
    browser: Any, live: LiveServer, tmp_path: Path
) -> None:
    first = live.core.create_batch([drop(tmp_path / "a", 3)]).batch_id
    second = live.core.create_batch([drop(tmp_path / "b", 4, seed=10)]).batch_id
    page = new_page(browser, "en-US")
    errors = collect_console_errors(page)
    page.goto(live.entry_url("/queue"))
    expect(page.locator("#queue-list > li.qbatch")).to_have_count(2)
    ids = page.locator("#queue-list > li.qbatch")
    expect(ids.nth(0)).to_have_attribute("data-batch-id", str(first))

    # move the second to the front: the list's order follows the stream
    action(qrow(page, second), "front").click()
    expect(ids.nth(0)).to_have_attribute("data-batch-id", str(second))
    expect(qrow(page, second).locator(".qbatch-position")).to_have_text("#1 in the queue")
    expect(qrow(page, first).locator(".qbatch-position")).to_have_text("#2 in the queue")
    expect(page.locator("#queue-message")).to_have_text(
        f"Batch #{second} moved to the front of the queue."
    )

    # cancel asks first
    action(qrow(page, first), "cancel").click()
    expect(page.locator("#confirm-dialog")).to_be_visible()
    expect(page.locator("#confirm-title")).to_have_text(f"Cancel “Batch #{first}”?")
    expect(page.locator("#confirm-text")).to_have_text(
        "3 queued photos will be cancelled; the ones being processed finish."
        " The batch will be final: it cannot be resumed."
    )
    page.keyboard.press("Escape")
    expect(page.locator("#confirm-dialog")).to_be_hidden()
    assert live.core.snapshot(first)["status"] == "QUEUED"
    action(qrow(page, first), "cancel").click()
    page.locator("#confirm-ok").click()
    row = qrow(page, first)
    expect(row.locator(".badge")).to_have_text("CANCELLED")
    expect(count(row, "cancelled")).to_have_text("3")
    expect(row.locator('.qcount[data-kind="cancelled"]')).to_be_visible()
    expect(action(row, "cancel")).to_be_hidden()
    expect(page.locator("#queue-message")).to_have_text(
        f"Batch #{first} cancelled: 3 photos cancelled."
    )
    assert live.core.snapshot(first)["status"] == "CANCELLED"
    assert not errors, errors
    page.context.close()


# ---- cleaning ------------------------------------------------------------------------------


def test_clean_finished_batches_older_than_0_days_removes_them_live(
    browser: Any, live: LiveServer, tmp_path: Path
) -> None:
    waiting = live.core.create_batch([drop(tmp_path / "w", 3)]).batch_id
    live.core.queue_control.pause(waiting)  # unfinished: never cleaned
    done = [
        live.core.create_batch([drop(tmp_path / f"d{n}", 2, seed=20 + 5 * n)]).batch_id
        for n in range(2)
    ]
    live.core.start()
    for batch_id in done:
        assert wait_until_final(live.core, batch_id)["status"] == "COMPLETED"

    page = new_page(browser)
    errors = collect_console_errors(page)
    page.goto(live.entry_url("/queue"))
    rows = page.locator("#queue-list > li.qbatch")
    expect(rows).to_have_count(3)
    expect(qrow(page, waiting).locator(".badge")).to_have_text("EN PAUSE")

    page.locator("#clean-days").fill("0")
    page.locator("#clean-open").click()
    expect(page.locator("#confirm-dialog")).to_be_visible()
    expect(page.locator("#confirm-title")).to_have_text("Supprimer les lots terminés ?")
    expect(page.locator("#confirm-text")).to_contain_text("il y a plus de 0 jour seront")
    page.locator("#confirm-back").click()  # nothing deleted
    expect(page.locator("#confirm-dialog")).to_be_hidden()
    expect(rows).to_have_count(3)

    page.locator("#clean-open").click()
    page.locator("#confirm-ok").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-batch-id", str(waiting))
    expect(page.locator("#queue-message")).to_have_text("2 lots terminés supprimés.")
    assert [b["batchId"] for b in live.core.queue_dashboard()["batches"]] == [waiting]

    page.locator("#clean-days").fill("-1")
    page.locator("#clean-open").click()
    expect(page.locator("#queue-message")).to_have_text(
        "Indiquez un nombre entier de jours (0 ou plus)."
    )
    expect(page.locator("#confirm-dialog")).to_be_hidden()
    assert not errors, errors
    page.context.close()


# ---- how it looks -----------------------------------------------------------------------------


def test_screenshot_of_the_queue_page(browser: Any, live: LiveServer, tmp_path: Path) -> None:
    """French: two batches running (each worker held mid-photo), one paused, one finished
    with a damaged file (its photos open: attempts, stage times, the error)."""
    from tests.ui_helpers import Gate

    paused = live.core.create_batch([drop(tmp_path / "Garage", 6, seed=40)]).batch_id
    live.core.queue_control.pause(paused)
    finished_folder = drop(tmp_path / "Chambre", 5, seed=50)
    (finished_folder / "IMG_abimee.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 400)
    finished = live.core.create_batch([finished_folder]).batch_id
    live.core.start()
    assert wait_until_final(live.core, finished)["status"] == "PARTIAL"

    gate = Gate(live.core, free=3, furniture=False)
    try:
        first = live.core.create_batch([drop(tmp_path / "Salon", 4, seed=60)]).batch_id
        second = live.core.create_batch([drop(tmp_path / "Cuisine", 6, seed=70)]).batch_id
        page = new_page(browser, "fr-FR", height=1400)
        errors = collect_console_errors(page)
        page.goto(live.entry_url("/queue"))
        expect(page.locator("#worker-list > li")).to_have_count(2, timeout=WAIT)
        expect(qrow(page, first).locator(".badge")).to_have_text("EN COURS")
        expect(qrow(page, second).locator(".badge")).to_have_text("EN COURS")
        expect(qrow(page, paused).locator(".badge")).to_have_text("EN PAUSE")
        expect(qrow(page, finished).locator(".badge")).to_have_text("PARTIEL")
        row = qrow(page, finished)
        action(row, "photos").click()
        expect(row.locator(".qdetail-table tbody tr")).to_have_count(6)
        failed = row.locator('.qdetail-table tbody tr[data-status="ERROR"]')
        expect(failed).to_have_count(1)
        expect(failed.locator(".qphoto-code")).not_to_be_empty()
        expect(action(row, "retry")).to_be_visible()

        # tests/artifacts each run; docs/ (committed) only when asked: PHOTOLOT_UPDATE_DOCS=1
        folder = DOCS if os.environ.get("PHOTOLOT_UPDATE_DOCS") == "1" else ARTIFACTS
        folder.mkdir(parents=True, exist_ok=True)
        bottom = page.evaluate(
            "() => Math.ceil(document.querySelector('main').getBoundingClientRect().bottom)"
        )
        page.screenshot(
            path=str(folder / "queue-page.png"),
            full_page=True,
            clip={"x": 0, "y": 0, "width": 1100, "height": bottom},
        )
        assert not errors, errors
        page.context.close()
    finally:
        gate.restore()
    for batch_id in (first, second):
        wait_until_final(live.core, batch_id)


def test_the_queue_page_is_a_page_links_may_lead_to() -> None:
    from desktopapp.server.pages import page_target

    assert page_target("/queue") == "/queue"
    assert page_target("/queue?lang=fr") == "/queue?lang=fr"
    assert page_target("/queue/1") is None and page_target("/queues") is None
    assert page_target("/queue?token=x") is None


# ---- client logic against scripted answers (FakeOrigin, Playwright's clock) -------------------


def queue_event(*batches: dict[str, Any], busy: list[dict[str, Any]] | None = None) -> str:
    return sse(
        "queue",
        {
            "generatedAt": 1764441000.0,
            "batches": list(batches),
            "workers": {"count": 2, "busy": busy or []},
            "throughput": {"lastMinute": 0, "perSecond": None},
        },
    )


def queue_batch(batch_id: int, status: str = "PROCESSING", **extra: Any) -> dict[str, Any]:
    row = {
        "batchId": batch_id,
        "name": None,
        "project": "Default",
        "createdAt": 1764441000.0,
        "status": status,
        "progress": 50,
        "counts": {"queued": 1, "processing": 0, "completed": 1, "failed": 0, "total": 2},
        "paused": status == "PAUSED",
        "priority": 0,
        "throughput": {"lastMinute": 1, "perMinute": 2.5},
        "wait": {"p50": 0.2, "p95": 0.4},
        "processing": {"p50": 1.5, "p95": 2.5},
        "eta_s": 150,
    }
    row.update(extra)
    return row


def test_a_dropped_queue_stream_is_reopened_and_a_lost_one_offers_reload(browser: Any) -> None:
    page = new_page(browser, "en-US")
    page.clock.install()  # the backoff timers run on Playwright's clock
    site = FakeOrigin(page)
    answers = [
        [queue_event(queue_batch(1))],
        [queue_event(queue_batch(1, "PAUSED", name="<b>Smith</b>", eta_s=None))],
    ]

    def stream(route: Any, request: Any) -> None:
        if answers:
            stream_reply(route, *answers.pop(0))  # the events, then the connection drops
        else:
            route.abort("connectionrefused")

    site.api[("GET", "/api/queue/stream")] = stream
    site.api[("GET", "/api/queue")] = lambda route, request: json_reply(
        route, 500, {"error": {"code": "server_error", "message": "no"}}
    )
    page.goto(site.url("/queue"))
    row = qrow(page, 1)
    expect(row.locator(".badge")).to_have_text("PROCESSING")
    expect(row.locator(".qbatch-eta")).to_have_text("Done in ≈ 2 min 30 s")
    expect(row.locator('.qstat[data-kind="wait"] dd')).to_have_text("200 ms / 400 ms")
    expect(row.locator('.qstat[data-kind="processing"] dd')).to_have_text("1.5 s / 2.5 s")
    expect(row.locator('.qstat[data-kind="average"] dd')).to_have_text("2.5 photos/min")
    conn = page.locator("#queue-conn")
    expect(conn).to_have_attribute("data-state", "reconnecting")
    page.clock.run_for(1_500)  # the first delay: 1 s ± 20 %
    expect(row.locator(".badge")).to_have_text("PAUSED")
    expect(row.locator(".qbatch-name")).to_have_text("<b>Smith</b>")  # text, never markup
    expect(row.locator(".qbatch-eta")).to_have_text("Paused")
    for _ in range(20):  # refused from now on: five reconnections with backoff, then stop
        if conn.get_attribute("data-state") == "offline":
            break
        page.clock.run_for(31_000)
    expect(conn).to_have_attribute("data-state", "offline")
    expect(conn).to_have_text("Live updates stopped")
    reload = page.get_by_role("button", name="Reload")
    expect(reload).to_be_visible()
    expect(row.locator(".badge")).to_have_text("PAUSED")  # the last state stays

    def stream_requests() -> int:
        return len([u for u in site.requests if urlparse(u).path == "/api/queue/stream"])

    for _ in range(100):  # each round trip lets Playwright hand over the routed requests
        if stream_requests() >= 7:
            break
        page.evaluate("0")
    assert stream_requests() == 7  # two that worked, then the first failure and five more
    page.clock.run_for(120_000)
    assert stream_requests() == 7  # no polling once it gave up

    answers.append([queue_event(queue_batch(1, "COMPLETED", eta_s=None))])
    reload.click()
    expect(row.locator(".badge")).to_have_text("COMPLETED")
    expect(reload).to_be_hidden()
    page.context.close()


def test_a_first_queue_connection_that_fails_reads_the_queue_once(browser: Any) -> None:
    page = new_page(browser, "fr-FR")
    page.clock.install()
    site = FakeOrigin(page)
    answers: list[Any] = [None, [queue_event(queue_batch(5), queue_batch(4, "QUEUED"))]]

    def stream(route: Any, request: Any) -> None:
        answer = answers.pop(0) if answers else None
        if answer is None:
            route.abort("connectionrefused")
        else:
            stream_reply(route, *answer)

    site.api[("GET", "/api/queue/stream")] = stream
    body = json.loads(queue_event(queue_batch(4, "QUEUED")).split("data: ", 1)[1])
    site.api[("GET", "/api/queue")] = lambda route, request: json_reply(route, 200, body)
    page.goto(site.url("/queue"))
    expect(qrow(page, 4).locator(".badge")).to_have_text("EN ATTENTE")
    expect(page.locator("#queue-conn")).to_have_attribute("data-state", "reconnecting")
    page.clock.run_for(1_300)
    expect(page.locator("#queue-list > li.qbatch")).to_have_count(2)
    paths = [urlparse(url).path for url in site.requests]
    assert paths.count("/api/queue") == 1 and paths.count("/api/queue/stream") >= 2, paths
    page.context.close()


def test_a_signed_out_queue_page_says_so_without_reconnecting(browser: Any) -> None:
    page = new_page(browser, "en-US")
    page.clock.install()
    site = FakeOrigin(page)
    refused = {"error": {"code": "unauthorized", "message": "Sign in again."}}
    site.api[("GET", "/api/queue/stream")] = lambda route, request: json_reply(route, 401, refused)
    site.api[("GET", "/api/queue")] = lambda route, request: json_reply(route, 401, refused)
    page.goto(site.url("/queue"))
    expect(page.locator("#queue-status")).to_have_text("Could not read the queue: Sign in again.")
    expect(page.locator("#queue-conn")).to_have_attribute("data-state", "offline")
    page.clock.run_for(120_000)
    paths = [urlparse(url).path for url in site.requests]
    assert paths.count("/api/queue/stream") == 1, paths
    page.context.close()
