"""The window's queue panel shows what the vision model costs (issue 15, point 6), and
only when a model was asked. Real parts: the loopback chat-completions server, a real Core
(Huey threads) on a temp data dir, the real server on port 0, the panel offscreen on its
`/api/queue/stream`. Figures computed by hand from the tokens the server reported."""

from __future__ import annotations

from pathlib import Path

from desktopapp.ui.api_client import ApiClient
from desktopapp.ui.i18n import Translator
from desktopapp.ui.queue_panel import BATCH_COLUMNS, PHOTO_COLUMNS, QueuePanel, format_duration
from tests.conftest import wait_until_final
from tests.helpers import make_photo
from tests.model_server import completion
from tests.ui_helpers import OFFSCREEN_QUIRKS, LiveStack

pytestmark = OFFSCREEN_QUIRKS
WAIT = 15_000
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
GOOD = '{"room": "bedroom", "items": [{"label": "wardrobe", "quantity": 1}]}'


def stack_for(monkeypatch, data_dir: Path, url: str | None) -> LiveStack:
    for name in ("URL", "MODEL", "KEY"):
        monkeypatch.delenv(f"PHOTOLOT_ANALYZER_{name}", raising=False)
    if url:
        monkeypatch.setenv("PHOTOLOT_ANALYZER_URL", url)
        monkeypatch.setenv("PHOTOLOT_ANALYZER_MODEL", "llava:test")
    stack = LiveStack(data_dir, workers=1, analyzer="names")
    stack.start_server()
    return stack


def run_batch(stack: LiveStack, folder: Path, names: list[str]) -> int:
    for i, name in enumerate(names):
        make_photo(folder / name, i + 1, size=(200, 150))
    batch_id = stack.core.create_batch([folder]).batch_id
    wait_until_final(stack.core, batch_id)
    return batch_id


def open_panel(qtbot, stack: LiveStack, lang: str) -> QueuePanel:
    panel = QueuePanel(ApiClient(stack.base_url, stack.token), Translator(lang))
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    qtbot.waitUntil(lambda: panel.stream.connection == "live", timeout=WAIT)
    return panel


def text(panel: QueuePanel, batch_id: int, column: str, role=0) -> str:
    row = panel.model.row_of(batch_id)
    return panel.model.index(row, BATCH_COLUMNS.index(column)).data(role)


def test_the_panel_shows_seconds_and_tokens_per_photo(
    qtbot, model_server, monkeypatch, data_dir, tmp_path
):
    model_server.script = [
        completion(GOOD, {"prompt_tokens": 1200, "completion_tokens": 40, "total_tokens": 1240}),
        completion(GOOD, {"prompt_tokens": 1000, "completion_tokens": 60}),  # total: 1060
        completion(GOOD, None),  # no usage reported
    ]
    stack = stack_for(monkeypatch, data_dir, model_server.url)
    try:
        batch_id = run_batch(stack, tmp_path / "drop", ["a.jpg", "b.jpg", "c.jpg"])
        panel = open_panel(qtbot, stack, "fr")
        qtbot.waitUntil(lambda: panel.model.batch(batch_id) is not None, timeout=WAIT)
        cost = panel.data["model"]
        assert cost["photos"] == 3 and cost["tokens"]["perPhoto"] == 1150.0
        fr = Translator("fr")
        for column in ("model", "tokens"):
            assert not panel.view.isColumnHidden(BATCH_COLUMNS.index(column))
        assert text(panel, batch_id, "tokens") == "1\u202f150"  # (1240 + 1060) / 2
        mean = panel.model.batch(batch_id)["model"]["secondsPerPhoto"]
        assert text(panel, batch_id, "model") == format_duration(fr, mean) != "—"
        tip = text(panel, batch_id, "tokens", 3)  # ToolTipRole
        assert "3 photos envoyées au modèle" in tip
        assert "2\u202f300 jetons en tout sur 2 photos (entrée 2\u202f200, sortie 100)" in tip
        totals = panel.totals.text()
        assert f"Modèle : {format_duration(fr, mean)}/photo" in totals
        assert "1\u202f150 jetons/photo" in totals
        # a photo's own time with the model, and its tokens in the tooltip
        assert panel.select_batch(batch_id)
        qtbot.waitUntil(lambda: panel.photo_model.rowCount() == 3, timeout=WAIT)
        column = PHOTO_COLUMNS.index("model")
        qtbot.waitUntil(lambda: not panel.photo_view.isColumnHidden(column), timeout=WAIT)
        first = panel.photo_model.photos[0]
        assert panel.photo_model.index(0, column).data() == format_duration(
            fr, first["timings"]["model"]
        )
        assert "1\u202f240 jetons en tout sur 1 photo" in panel.photo_model.index(0, column).data(3)
        third = panel.photo_model.index(2, column).data(3)
        assert "jetons" not in third and "1 photo envoyée au modèle" in third
        ARTIFACTS.mkdir(exist_ok=True)
        panel.resize(1400, 640)
        qtbot.waitUntil(lambda: panel.width() == 1400, timeout=WAIT)
        panel.grab().save(str(ARTIFACTS / "queue-panel-model-cost.png"))
    finally:
        stack.stop()


def test_without_a_model_the_panel_has_no_model_columns(qtbot, monkeypatch, data_dir, tmp_path):
    stack = stack_for(monkeypatch, data_dir, None)
    try:
        batch_id = run_batch(stack, tmp_path / "drop", ["a.jpg", "b.jpg"])
        panel = open_panel(qtbot, stack, "en")
        qtbot.waitUntil(lambda: panel.model.batch(batch_id) is not None, timeout=WAIT)
        assert panel.data["model"] is None
        for column in ("model", "tokens"):
            assert panel.view.isColumnHidden(BATCH_COLUMNS.index(column))
        assert "Model" not in panel.totals.text() and "tokens" not in panel.totals.text()
        assert not panel.view.isColumnHidden(BATCH_COLUMNS.index("work"))
        assert panel.select_batch(batch_id)
        qtbot.waitUntil(lambda: panel.photo_model.rowCount() == 2, timeout=WAIT)
        assert panel.photo_view.isColumnHidden(PHOTO_COLUMNS.index("model"))
    finally:
        stack.stop()
