"""Analysing photos again from the window (issue 15): a real Core whose real VisionAnalyzer
asks a loopback model server, the real server on port 0, the real window offscreen. The
batch's "Re-analyse photos the model missed", the photo list's "Analyse again" and the
viewer's: each one's photos go round again and the window shows the new result."""

from __future__ import annotations

import os
from pathlib import Path
from unittest import mock

import pytest

from desktopapp.ui.main_window import MainWindow
from desktopapp.ui.review_actions import menu_action
from tests.model_helpers import ModelServer, drop
from tests.ui_helpers import OFFSCREEN_QUIRKS, LiveStack, open_window

pytestmark = OFFSCREEN_QUIRKS
WAIT = 20_000
SHOTS = Path(os.environ.get("PHOTOLOT_SHOTS", "/tmp"))


@pytest.fixture
def model():
    with ModelServer() as server:
        yield server


@pytest.fixture
def stack(data_dir, model):
    with mock.patch.dict(os.environ, model.environ()):
        live = LiveStack(data_dir, workers=2, analyzer="names")
    live.start_server()
    yield live
    live.stop()


@pytest.fixture
def window(qtbot, stack, data_dir):
    window = open_window(qtbot, stack, data_dir, lang="en", size=(1240, 860))
    yield window
    window.close()


def photos(window: MainWindow) -> list[dict]:
    model = window.progress.model
    return [model.photo(row) for row in range(model.rowCount())]


def has_model_items(photo: dict) -> bool:
    labels = {item["label"] for item in photo.get("items") or []}
    return photo.get("status") == "DONE" and not photo["flags"] and labels >= {"sofa", "wardrobe"}


def test_the_window_sends_missed_photos_round_again(qtbot, window, stack, model, tmp_path):
    progress = window.progress
    messages: list[tuple[str, str]] = []
    progress.message.connect(lambda kind, text: messages.append((kind, text)))
    window.create_batch([str(drop(tmp_path / "drop", 3))])
    qtbot.waitUntil(
        lambda: progress.client is not None and progress.client.is_finished, timeout=WAIT
    )
    button = progress.reanalyse_button
    qtbot.waitUntil(button.isVisible, timeout=WAIT)
    assert progress.model_missed() == 3
    assert button.text() == "Ask the model again"
    assert "3 photos have the detector's items only" in button.toolTip()
    window.grab().save(str(SHOTS / "reanalyse-window-missed.png"))

    # the batch's button: every photo the model missed, then the button goes
    model.answer = "good"
    button.click()
    qtbot.waitUntil(lambda: all(has_model_items(p) for p in photos(window)), timeout=WAIT)
    qtbot.waitUntil(lambda: not button.isVisible(), timeout=WAIT)
    assert ("success", "3 photos will be analysed again.") in messages
    assert progress.client.state.status == "COMPLETED"
    window.grab().save(str(SHOTS / "reanalyse-window-done.png"))

    # the photo list's menu on one photo: the model fails it again, the button is back
    model.answer = "prose"
    progress.list.setCurrentIndex(progress.model.index(1))
    menu = progress.photo_menu()
    action = menu_action(menu, "reanalyse")
    assert action.isEnabled() and action.text() == "Analyse again"
    action.trigger()
    qtbot.waitUntil(lambda: photos(window)[1]["flags"] == ["model_bad_answer"], timeout=WAIT)
    qtbot.waitUntil(button.isVisible, timeout=WAIT)
    assert progress.model_missed() == 1
    assert [has_model_items(p) for p in photos(window)] == [True, False, True]

    # the viewer, on that photo: the model answers this time
    model.answer = "good"
    progress.open_viewer(progress.model.index(1))
    viewer = progress.viewer
    qtbot.waitExposed(viewer)
    again = viewer.reanalyse_button
    assert again.isVisible() and again.isEnabled() and again.text() == "Analyse again"
    viewer.grab().save(str(SHOTS / "reanalyse-viewer.png"))
    asked = model.asked
    again.click()
    qtbot.waitUntil(lambda: has_model_items(photos(window)[1]), timeout=WAIT)
    qtbot.waitUntil(lambda: not button.isVisible(), timeout=WAIT)
    assert model.asked == asked + 1  # that photo alone
    assert stack.core.snapshot(progress.client.batch_id)["photos"][1]["flags"] == []
    viewer.close()


def test_a_refusal_goes_to_the_banner(qtbot, window, stack, model, tmp_path):
    progress = window.progress
    messages: list[tuple[str, str]] = []
    progress.message.connect(lambda kind, text: messages.append((kind, text)))
    model.answer = "good"
    window.create_batch([str(drop(tmp_path / "drop", 1))])
    qtbot.waitUntil(
        lambda: progress.client is not None and progress.client.is_finished, timeout=WAIT
    )
    assert not progress.reanalyse_button.isVisible()  # the model saw every photo
    progress.review.reanalyse(None)  # what the page or a script could still ask
    qtbot.waitUntil(lambda: bool(messages), timeout=WAIT)
    kind, text = messages[-1]
    assert kind == "error" and text.startswith("Could not analyse again:")
    assert "waiting for the model" in text
