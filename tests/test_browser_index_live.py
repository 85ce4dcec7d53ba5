"""The start page's live batch list in a real browser: Debian's Chromium driven by Playwright.

End to end (real Core with the "names" analyzer, no detector; real ServerThread): the page
follows GET /api/batches/stream. A batch made by `core.create_batch` appears without a
reload, queued, then COMPLETED once the workers run; a rename (`batch.rename`, HTML in the
name shown literally) and a delete (`core.delete_batch`) show up live; the page asks for
nothing else meanwhile (no polling, one stream).

Client logic against scripted answers (`FakeOrigin`, Playwright's clock for the backoff):
a dropped stream is reopened; a first connection that fails reads the list once with
GET /api/batches; after five failed reconnections the page says the list is no longer
live and offers Reload, which reads the list and opens the stream again.

No sleeps: Playwright's auto-waiting assertions and `wait_for_function`.
"""

from __future__ import annotations

import json
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
    stream_reply,
)
from tests.conftest import wait_until_final
from tests.helpers import make_photo

expect = playwright_expect()

pytestmark = BROWSER_MARKS

LIST_STREAM = "/api/batches/stream"


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


def row(page: Any, batch_id: int) -> Any:
    return page.locator(f'#batch-list > li[data-batch-id="{batch_id}"]')


# ---- end to end ----------------------------------------------------------------------------


def test_the_list_follows_new_batches_renames_and_deletions_live(
    browser: Any, live: LiveServer, tmp_path: Path
) -> None:
    page = new_page(browser, "fr-FR")
    errors = collect_console_errors(page)
    requests: list[str] = []
    lock = threading.Lock()

    def seen(request: Any) -> None:
        with lock:
            requests.append(urlparse(request.url).path)

    page.on("request", seen)
    page.goto(live.entry_url("/"))
    conn = page.locator("#list-conn")
    expect(conn).to_have_attribute("data-state", "live")
    expect(conn).to_have_text("En direct")
    expect(page.locator("#list-status")).to_have_text(
        "Aucun lot pour l'instant. Déposez des photos pour commencer."
    )
    reload = page.locator("#list-reload")
    expect(reload).to_be_hidden()

    # a batch made elsewhere (the window, a script): on the page at once, queued
    for i in range(2):
        make_photo(tmp_path / "one" / "Salon" / f"salon-{i}.jpg", seed=i + 1, size=(320, 240))
    first = live.core.create_batch([tmp_path / "one"], project="Maison").batch_id
    item = row(page, first)
    expect(item).to_have_count(1)
    expect(item.locator(".badge")).to_have_text("EN ATTENTE")
    expect(item.locator(".batch-title")).to_have_text(f"Lot #{first} · Maison")
    expect(item.locator(".batch-meta")).to_contain_text("2 photos · 2 en attente")
    expect(item.locator(".batch-percent")).to_have_text("0\u00a0%")
    expect(item.locator("a")).to_have_attribute("href", f"/batches/{first}")
    expect(page.locator("#list-status")).to_be_hidden()

    # the workers run: its status moves to COMPLETED, without a reload
    live.core.start()
    wait_until_final(live.core, first)
    expect(item.locator(".badge")).to_have_text("TERMINÉ")
    expect(item.locator(".badge")).to_have_attribute("data-status", "COMPLETED")
    expect(item.locator(".batch-percent")).to_have_text("100\u00a0%")
    expect(item.locator(".batch-meta")).to_contain_text("2 photos · 2 réussies")

    # renamed (typed HTML stays text): the name leads, the number follows
    item.locator("a").focus()  # a focused row keeps its focus across updates
    live.core.correct(first, "batch.rename", {"name": "Dupont <b>Lyon</b>"})
    expect(item.locator(".batch-name")).to_have_text("Dupont <b>Lyon</b>")
    expect(item.locator(".batch-title")).to_have_text(f"Dupont <b>Lyon</b> · Lot #{first} · Maison")
    assert item.locator("b").count() == 0
    expect(item.locator("a")).to_have_attribute(
        "aria-label", f"Dupont <b>Lyon</b> (Lot #{first}) — TERMINÉ, 100\u00a0%"
    )
    expect(item.locator("a")).to_be_focused()

    # a second batch comes first (most recent first)
    make_photo(tmp_path / "two" / "Cuisine" / "cuisine.jpg", seed=9, size=(320, 240))
    second = live.core.create_batch([tmp_path / "two"]).batch_id
    wait_until_final(live.core, second)
    expect(page.locator("#batch-list > li")).to_have_count(2)
    expect(page.locator("#batch-list > li").first).to_have_attribute("data-batch-id", str(second))
    expect(row(page, second).locator(".badge")).to_have_text("TERMINÉ")

    # deleted elsewhere: gone from the page
    live.core.delete_batch(first)
    expect(item).to_have_count(0)
    expect(page.locator("#batch-list > li")).to_have_count(1)
    live.core.delete_batch(second)
    expect(page.locator("#batch-list > li")).to_have_count(0)
    expect(page.locator("#list-status")).to_have_text(
        "Aucun lot pour l'instant. Déposez des photos pour commencer."
    )

    # all of it over one stream: no polling, no list read, no reconnection
    expect(conn).to_have_attribute("data-state", "live")
    expect(reload).to_be_hidden()
    with lock:
        api = [path for path in requests if path.startswith("/api/")]
    assert api == [LIST_STREAM], api
    assert not errors, errors
    page.context.close()


def test_screenshot_of_the_live_list(browser: Any, live: LiveServer, tmp_path: Path) -> None:
    """The list with a named batch, a running one and a partial one (tests/artifacts)."""
    live.core.start()
    make_photo(tmp_path / "a" / "Salon" / "salon.jpg", seed=1, size=(320, 240))
    named = live.core.create_batch([tmp_path / "a"], project="Déménagement Martin").batch_id
    wait_until_final(live.core, named)
    live.core.correct(named, "batch.rename", {"name": "Martin — Lyon → Grenoble"})
    make_photo(tmp_path / "b" / "ok.jpg", seed=2, size=(320, 240))
    (tmp_path / "b" / "notes.jpg").write_text("pas une photo")
    partial = live.core.create_batch([tmp_path / "b" / "ok.jpg", tmp_path / "b" / "notes.jpg"])
    wait_until_final(live.core, partial.batch_id)

    page = new_page(browser, "fr-FR", height=760)
    errors = collect_console_errors(page)
    page.goto(live.entry_url("/"))
    expect(page.locator("#list-conn")).to_have_attribute("data-state", "live")
    expect(page.locator("#batch-list > li")).to_have_count(2)
    expect(row(page, named).locator(".batch-name")).to_have_text("Martin — Lyon → Grenoble")
    expect(row(page, partial.batch_id).locator(".badge")).to_have_text("PARTIEL")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "index-live-fr.png"), full_page=True)
    assert not errors, errors
    page.context.close()


# ---- client logic against scripted answers ---------------------------------------------------


def batches_event(*batches: dict[str, Any]) -> str:
    return "event: batches\ndata: " + json.dumps({"batches": list(batches)}) + "\n\n"


def batch(batch_id: int, status: str = "COMPLETED", name: str | None = None) -> dict[str, Any]:
    done = status in ("COMPLETED", "PARTIAL", "FAILED")
    return {
        "batchId": batch_id,
        "status": status,
        "progress": 100 if done else 50,
        "counts": {
            "queued": 0 if done else 1,
            "processing": 0,
            "completed": 2 if done else 1,
            "failed": 0,
            "total": 2,
        },
        "project": None,
        "createdAt": 1764441000.0,
        "name": name,
    }


def test_a_dropped_stream_is_reopened_and_a_lost_one_offers_reload(browser: Any) -> None:
    page = new_page(browser, "en-US")
    page.clock.install()  # the backoff timers run on Playwright's clock
    site = FakeOrigin(page)
    answers = [
        [batches_event(batch(1, "PROCESSING"))],
        [batches_event(batch(1, "COMPLETED", name="Smith"))],
    ]

    def stream(route: Any, request: Any) -> None:
        if answers:
            stream_reply(route, *answers.pop(0))  # the events, then the connection drops
        else:
            route.abort("connectionrefused")

    site.api[("GET", LIST_STREAM)] = stream
    site.api[("GET", "/api/batches")] = lambda route, request: json_reply(
        route, 200, {"batches": [batch(1, "COMPLETED", name="Smith"), batch(2)]}
    )
    page.goto(site.url("/"))
    item = row(page, 1)
    expect(item.locator(".badge")).to_have_text("PROCESSING")
    conn = page.locator("#list-conn")
    # dropped: reopened after the backoff (1 s ± 20 %), and the list moves on
    expect(conn).to_have_attribute("data-state", "reconnecting")
    expect(conn).to_have_text("Connection lost, reconnecting…")
    page.clock.run_for(1_500)
    expect(item.locator(".badge")).to_have_text("COMPLETED")
    expect(item.locator(".batch-name")).to_have_text("Smith")
    # refused from now on: five reconnections with backoff, then the page gives up. Each
    # refusal reaches the page a moment after the clock moved (Playwright routes it), so
    # the clock runs on until the page says it stopped, at most 20 rounds.
    for _ in range(20):
        if conn.get_attribute("data-state") == "offline":
            break
        page.clock.run_for(31_000)  # past the longest delay (16 s + 20 % jitter)
    expect(conn).to_have_attribute("data-state", "offline")
    expect(conn).to_have_text("Live updates stopped")
    reload = page.get_by_role("button", name="Reload")
    expect(reload).to_be_visible()

    def stream_requests() -> int:
        return len([url for url in site.requests if urlparse(url).path == LIST_STREAM])

    for _ in range(100):  # each round trip lets Playwright hand over the routed requests
        if stream_requests() >= 7:
            break
        page.evaluate("0")
    assert stream_requests() == 7  # two that worked, then the first failure and five reconnections
    page.clock.run_for(120_000)
    assert len([url for url in site.requests if urlparse(url).path == LIST_STREAM]) == 7
    assert not [url for url in site.requests if urlparse(url).path == "/api/batches"]
    expect(item.locator(".batch-name")).to_have_text("Smith")  # the last list stays

    # Reload: the list once, and the stream again
    answers.append([batches_event(batch(3), batch(1, "COMPLETED", name="Smith"))])
    reload.click()
    expect(page.locator("#batch-list > li")).to_have_count(2)
    expect(page.locator("#batch-list > li").first).to_have_attribute("data-batch-id", "3")
    expect(reload).to_be_hidden()
    assert len([url for url in site.requests if urlparse(url).path == "/api/batches"]) == 1
    page.context.close()


def test_a_first_connection_that_fails_reads_the_list_once(browser: Any) -> None:
    page = new_page(browser, "fr-FR")
    page.clock.install()
    site = FakeOrigin(page)
    answers = [None, [batches_event(batch(5), batch(4, name="Dupont"))]]

    def stream(route: Any, request: Any) -> None:
        answer = answers.pop(0) if answers else None
        if answer is None:
            route.abort("connectionrefused")
        else:
            stream_reply(route, *answer)

    site.api[("GET", LIST_STREAM)] = stream
    site.api[("GET", "/api/batches")] = lambda route, request: json_reply(
        route, 200, {"batches": [batch(4, name="Dupont")]}
    )
    page.goto(site.url("/"))
    # the stream is refused: the list is read once meanwhile, and the page tries again later
    expect(row(page, 4).locator(".batch-name")).to_have_text("Dupont")
    expect(page.locator("#list-conn")).to_have_attribute("data-state", "reconnecting")
    expect(page.locator("#list-reload")).to_be_hidden()
    expect(page.locator("#batch-list > li")).to_have_count(1)
    page.clock.run_for(1_300)  # the first delay: 1 s ± 20 %
    expect(page.locator("#batch-list > li")).to_have_count(2)
    expect(page.locator("#batch-list > li").first).to_have_attribute("data-batch-id", "5")
    paths = [urlparse(url).path for url in site.requests]
    assert paths.count("/api/batches") == 1 and paths.count(LIST_STREAM) >= 2, paths
    page.context.close()


def test_a_signed_out_page_says_so_without_reconnecting(browser: Any) -> None:
    page = new_page(browser, "en-US")
    page.clock.install()
    site = FakeOrigin(page)
    site.api[("GET", LIST_STREAM)] = lambda route, request: json_reply(
        route, 401, {"error": {"code": "unauthorized", "message": "Sign in again."}}
    )
    site.api[("GET", "/api/batches")] = lambda route, request: json_reply(
        route, 401, {"error": {"code": "unauthorized", "message": "Sign in again."}}
    )
    page.goto(site.url("/"))
    expect(page.locator("#list-status")).to_have_text("Could not load the batches: Sign in again.")
    expect(page.locator("#list-conn")).to_have_attribute("data-state", "offline")
    expect(page.get_by_role("button", name="Reload")).to_be_visible()
    page.clock.run_for(120_000)
    assert len([url for url in site.requests if urlparse(url).path == LIST_STREAM]) == 1
    page.context.close()
