"""Settings → Vision model, on real widgets: the address, model, key and limits saved (the
key in a 0600 file here, never in settings.json), where the photos go said before Save, and
"Test connection" through the real local server to a chat-completions server on loopback.

Screenshots go to tests/artifacts on every run, to docs/ with PHOTOLOT_UPDATE_DOCS=1.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialogButtonBox

from desktopapp.platform.secret_store import KeyStore
from desktopapp.platform.user_config import UserConfig, config_path, load_user_config
from desktopapp.ui.api_client import ApiClient
from desktopapp.ui.i18n import Translator
from desktopapp.ui.settings_dialog import SettingsDialog
from tests.model_server import completion
from tests.ui_helpers import OFFSCREEN_QUIRKS, LiveStack

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "tests" / "artifacts"
KEY = "sk-dialog-0123456789-never-shown"
GOOD = (
    '{"room": "living_room", "items": [{"label": "sofa", "quantity": 1}, '
    '{"label": "rug", "quantity": 1}, {"label": "floor_lamp", "quantity": 2}]}'
)
pytestmark = OFFSCREEN_QUIRKS


def save_shot(widget, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    image = widget.grab()
    assert image.save(str(ARTIFACTS / name))
    if os.environ.get("PHOTOLOT_UPDATE_DOCS"):
        assert image.save(str(REPO / "docs" / name))


@pytest.fixture
def stack(tmp_path) -> Iterator[LiveStack]:
    live = LiveStack(tmp_path / "data", workers=1, analyzer="names")
    live.start_server()
    yield live
    live.stop()


def save(dialog: SettingsDialog) -> None:
    dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()


def test_the_model_tab_saves_the_server_and_keeps_the_key_apart(qtbot, isolated_dirs, tmp_path):
    store = KeyStore(config_path().with_name("model.key"))
    dialog = SettingsDialog(Translator("en"), key_store=store)
    qtbot.addWidget(dialog)
    dialog.show()
    page = dialog.model_page
    assert not page.test_button.isVisible()  # no local server to ask through
    assert "No key stored" in page.key_hint.text()
    dialog.tabs.setCurrentWidget(page)
    page.url.setText("https://models.example.com/v1/")
    assert page.where.isVisible() and "leave this computer" in page.where.text()
    assert "models.example.com" in page.where.text()
    page.model.setText("gpt-4o-mini")
    page.key.setText(KEY)
    page.concurrency.setValue(4)
    page.timeout.setValue(120)
    save(dialog)
    assert not dialog.isVisible() and dialog.changed
    saved, problems = load_user_config()
    assert problems == [] and saved == UserConfig(
        model_url="https://models.example.com/v1",
        model_name="gpt-4o-mini",
        model_concurrency=4,
        model_timeout=120.0,
    )
    assert KEY not in config_path().read_text()
    assert store.load() == KEY and stat.S_IMODE(store.file.stat().st_mode) == 0o600

    again = SettingsDialog(Translator("fr"), key_store=store)
    qtbot.addWidget(again)
    again.show()
    assert again.model_page.key.text() == ""  # never shown back
    assert "fichier que vous seul" in again.model_page.key_hint.text()
    assert again.model_page.forget_button.isEnabled()
    again.model_page.forget_button.click()
    assert "oubliée" in again.model_page.key_hint.text()
    again.model_page.url.setText("http://127.0.0.1:11434/v1")
    assert "restent ici" in again.model_page.where.text()
    save(again)
    assert store.load() is None and not store.file.exists() and again.changed


def test_the_model_tab_refuses_half_a_server_and_shows_the_tab(qtbot, isolated_dirs):
    dialog = SettingsDialog(Translator("en"), key_store=KeyStore(config_path().with_name("k")))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.model_page.url.setText("http://127.0.0.1:11434/v1")
    dialog.model_page.key.setText("two words")
    save(dialog)
    assert dialog.isVisible() and dialog.saved is None
    assert dialog.tabs.currentWidget() is dialog.model_page
    assert "or neither" in dialog.error.text() and "API key refused" in dialog.error.text()
    assert not config_path().exists()


def test_test_connection_shows_the_models_answer(qtbot, isolated_dirs, stack, model_server):
    api = ApiClient(stack.base_url, stack.token)
    store = KeyStore(config_path().with_name("model.key"))
    dialog = SettingsDialog(Translator("en"), check_model=api.check_model, key_store=store)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.tabs.setCurrentWidget(dialog.model_page)
    page = dialog.model_page
    assert page.test_button.isVisible()
    page.test_button.click()  # nothing filled in yet
    assert "address and the model" in page.test_result.text()
    assert model_server.requests == []

    model_server.script = [
        "gate",
        completion(GOOD, usage={"total_tokens": 1234}),
        (401, {}, b"no"),
    ]
    page.url.setText(model_server.url)
    page.model.setText("llava:test")
    page.key.setText(KEY)
    page.test_button.click()
    qtbot.waitUntil(lambda: "looking at a sample photo" in page.test_result.text(), timeout=5000)
    assert not page.test_button.isEnabled()  # one test at a time
    model_server.gate.set()
    qtbot.waitUntil(lambda: page.test_button.isEnabled(), timeout=20_000)
    text = page.test_result.text()
    assert "llava:test answered in" in text and "Living room" in text
    assert "1 × Sofa" in text and "2 × Floor lamp" in text and "1,234 tokens" in text
    assert model_server.requests[0][0]["Authorization"] == f"Bearer {KEY}"
    save_shot(dialog, "settings-model.png")

    page.test_button.click()
    qtbot.waitUntil(lambda: "No usable answer" in page.test_result.text(), timeout=20_000)
    assert "refused the key" in page.test_result.text()
    assert store.load() is None  # testing stores nothing; Save does
