"""Analysing photos again from the batch page (issue 15), in headless Chromium against the
real server and core, whose real VisionAnalyzer asks a loopback model server: the batch's
"Re-analyse photos the model missed" and a photo row's "Analyse again"."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest

from tests.browser_helpers import (
    BROWSER_MARKS,
    LiveServer,
    collect_console_errors,
    live_server,
    new_page,
    playwright_expect,
)
from tests.conftest import wait_until_final
from tests.model_helpers import ModelServer, drop

expect = playwright_expect()
pytestmark = BROWSER_MARKS
SHOTS = Path(os.environ.get("PHOTOLOT_SHOTS", "/tmp"))


@pytest.fixture
def live(data_dir: Path, model: ModelServer) -> Iterator[LiveServer]:
    """A started Core asking the loopback model, and the real server."""
    from desktopapp.core.services import Core
    from desktopapp.platform.settings import Settings

    with mock.patch.dict(os.environ, model.environ()):
        core = Core(Settings(data_dir=data_dir, workers=2, analyzer="names"))
    core.start()
    with live_server(core) as server:
        yield server


def test_the_page_sends_missed_photos_round_again(browser, live, model, tmp_path):
    core = live.core
    folder = drop(tmp_path / "drop", 2)
    (folder / "Salon" / "p1.jpg").rename(folder / "Salon" / "<b>p1.jpg")  # shown as text
    batch_id = core.create_batch([folder]).batch_id
    wait_until_final(core, batch_id)
    page = new_page(browser, "fr-FR")
    errors = collect_console_errors(page)
    page.goto(live.entry_url(f"/batches/{batch_id}"))

    missed = page.locator("#reanalyse-missed")
    expect(missed).to_be_visible(timeout=15_000)
    expect(missed).to_have_text("Redemander au modèle")
    expect(missed).to_have_attribute(
        "title", "2 photos n'ont que les objets du détecteur : le modèle ne les a pas vues."
    )
    row = page.locator("#photo-list li[data-id]").filter(has_text="<b>p1.jpg")
    expect(row).to_have_count(1)
    assert page.locator("#photo-list b").count() == 0  # the name is text, not markup
    page.screenshot(path=str(SHOTS / "reanalyse-page-missed.png"), full_page=True)

    model.answer = "good"
    missed.click()
    expect(page.locator("#review-message-text")).to_have_text(
        "2 photos seront analysées à nouveau."
    )
    expect(missed).to_be_hidden(timeout=15_000)  # already while the photos wait again
    snapshot = wait_until_final(core, batch_id)
    assert all(p["flags"] == [] and len(p["items"]) == 2 for p in snapshot["photos"])
    page.screenshot(path=str(SHOTS / "reanalyse-page-done.png"), full_page=True)

    # one row's "Analyse again": the model fails it, the batch's button comes back
    model.answer = "prose"
    again = row.locator(".photo-reanalyse")
    expect(again).to_have_text("Analyser à nouveau")
    again.click()
    expect(missed).to_be_visible(timeout=15_000)
    expect(missed).to_have_attribute(
        "title", "1 photo n'a que les objets du détecteur : le modèle ne l'a pas vue."
    )
    flags = {p["fileName"]: p["flags"] for p in core.snapshot(batch_id)["photos"]}
    assert flags == {"p0.jpg": [], "<b>p1.jpg": ["model_bad_answer"]}
    assert errors == []
