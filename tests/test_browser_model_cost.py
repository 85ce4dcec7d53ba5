"""The /queue page shows what the vision model costs (issue 15, point 6) in Debian's
Chromium driven by Playwright: a real Core (Huey threads) asking the loopback
chat-completions server, the real server on port 0. The overview's two figures and each
batch's lines appear only when a model was asked; tokens by hand from the `usage` the
server reported (some answers carry none). No sleeps: Playwright's auto-waiting."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.browser_helpers import (
    ARTIFACTS,
    BROWSER_MARKS,
    LiveServer,
    collect_console_errors,
    live_server,
    playwright_expect,
)
from tests.conftest import wait_until_final
from tests.helpers import make_photo
from tests.model_server import completion

expect = playwright_expect()

pytestmark = BROWSER_MARKS
WAIT = 30_000
GOOD = '{"room": "bedroom", "items": [{"label": "wardrobe", "quantity": 1}]}'


@contextlib.contextmanager
def serve(monkeypatch, data_dir: Path, url: str | None) -> Iterator[LiveServer]:
    """A started Core (asking the model at `url`, or none) and the real server on port 0."""
    from desktopapp.core.services import Core
    from desktopapp.platform.settings import Settings

    for name in ("URL", "MODEL", "KEY"):
        monkeypatch.delenv(f"PHOTOLOT_ANALYZER_{name}", raising=False)
    if url:
        monkeypatch.setenv("PHOTOLOT_ANALYZER_URL", url)
        monkeypatch.setenv("PHOTOLOT_ANALYZER_MODEL", "llava:test")
    core = Core(Settings(data_dir=data_dir, workers=1, analyzer="names"))
    core.start()
    with live_server(core) as server:
        yield server


def run_batch(core, folder: Path, names: list[str]) -> int:
    for i, name in enumerate(names):
        make_photo(folder / name, i + 1, size=(200, 150))
    batch_id = core.create_batch([folder]).batch_id
    wait_until_final(core, batch_id)
    return batch_id


def stat(page: Any, batch_id: int, kind: str) -> Any:
    return page.locator(f'li.qbatch[data-batch-id="{batch_id}"] .qstat[data-kind="{kind}"]')


def test_the_queue_page_shows_the_models_seconds_and_tokens(
    browser, model_server, monkeypatch, data_dir, tmp_path
):
    model_server.script = [
        completion(GOOD, {"prompt_tokens": 1200, "completion_tokens": 40, "total_tokens": 1240}),
        completion(GOOD, {"prompt_tokens": 1000, "completion_tokens": 60}),  # total: 1060
        completion(GOOD, None),  # no usage reported
        completion(GOOD, {"total_tokens": 500}),  # the second batch
    ]
    with serve(monkeypatch, data_dir, model_server.url) as live:
        core = live.core
        first = run_batch(core, tmp_path / "Chambre", ["a.jpg", "b.jpg", "c.jpg"])
        second = run_batch(core, tmp_path / "Salon", ["d.jpg"])
        dashboard = core.queue_dashboard()
        rows = {row["batchId"]: row for row in dashboard["batches"]}
        context = browser.new_context(locale="en-US", viewport={"width": 1100, "height": 1100})
        page = context.new_page()
        errors = collect_console_errors(page)
        page.goto(live.entry_url("/queue"))
        expect(page.locator("#fig-model-box")).to_be_visible(timeout=WAIT)
        duration = "window.QueueView.duration"
        overall = page.evaluate(f"{duration}({dashboard['model']['secondsPerPhoto']})")
        expect(page.locator("#fig-model")).to_have_text(overall)
        # (1240 + 1060 + 500) / 3 = 933.3 → 933; 2,800 in all
        expect(page.locator("#fig-tokens")).to_have_text("933 (2,800 in all)")
        expect(stat(page, first, "tokens").locator("dd")).to_have_text("1,150 (2,300 in all)")
        expect(stat(page, second, "tokens").locator("dd")).to_have_text("500 (500 in all)")
        mean = page.evaluate(f"{duration}({rows[first]['model']['secondsPerPhoto']})")
        expect(stat(page, first, "model").locator("dd")).to_have_text(mean)
        expect(stat(page, first, "model").locator("dt")).to_have_text("Model time per photo")
        # a batch's photos: the model's own column, each photo's time
        row = page.locator(f'li.qbatch[data-batch-id="{first}"]')
        row.locator('button[data-action="photos"]').click()
        expect(row.locator(".qdetail-table tbody tr")).to_have_count(3)
        expect(row.locator('th[data-col="model"]')).to_be_visible()
        expect(row.locator('tbody td[data-col="model"]')).to_have_count(3)
        cell = row.locator('tr.qphoto >> nth=0 >> td[data-col="model"]')
        expect(cell).to_have_attribute("title", "Tokens per photo: 1,240")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        bottom = page.evaluate(
            "() => Math.ceil(document.querySelector('main').getBoundingClientRect().bottom)"
        )
        page.screenshot(
            path=str(ARTIFACTS / "queue-page-model-cost.png"),
            full_page=True,
            clip={"x": 0, "y": 0, "width": 1100, "height": bottom},
        )
        assert not errors, errors
        context.close()


def test_without_a_model_the_queue_page_says_nothing_of_one(
    browser, monkeypatch, data_dir, tmp_path
):
    with serve(monkeypatch, data_dir, None) as live:
        core = live.core
        batch_id = run_batch(core, tmp_path / "Chambre", ["a.jpg", "b.jpg"])
        context = browser.new_context(locale="fr-FR", viewport={"width": 1100, "height": 900})
        page = context.new_page()
        page.goto(live.entry_url("/queue"))
        row = page.locator(f'li.qbatch[data-batch-id="{batch_id}"]')
        expect(row.locator(".badge")).to_have_text("TERMINÉ", timeout=WAIT)
        expect(stat(page, batch_id, "processing")).to_be_visible()
        expect(stat(page, batch_id, "model")).to_be_hidden()
        expect(stat(page, batch_id, "tokens")).to_be_hidden()
        expect(page.locator("#fig-model-box")).to_be_hidden()
        expect(page.locator("#fig-tokens-box")).to_be_hidden()
        row.locator('button[data-action="photos"]').click()
        expect(row.locator(".qdetail-table tbody tr")).to_have_count(2)
        expect(row.locator('th[data-col="model"]')).to_be_hidden()
        expect(row.locator('td[data-col="model"]:visible')).to_have_count(0)
        context.close()
