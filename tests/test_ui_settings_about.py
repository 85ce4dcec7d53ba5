"""Settings (File → Settings…), About (Help → About PhotoLot) and the first run's
"Try with sample photos", on real widgets and, for the samples, the real stack.

Screenshots go to tests/artifacts on every run, to docs/ with PHOTOLOT_UPDATE_DOCS=1.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QDialogButtonBox

from desktopapp import __version__
from desktopapp.cli import language_from_args, parse, settings_from_args
from desktopapp.platform.paths import resources_dir
from desktopapp.platform.settings import DEFAULT_PORT, default_workers
from desktopapp.platform.user_config import (
    ConfigError,
    UserConfig,
    config_path,
    load_user_config,
    save_user_config,
)
from desktopapp.ui.i18n import Translator
from desktopapp.ui.main_window import MainWindow
from desktopapp.ui.samples import sample_photos
from desktopapp.ui.services import DesktopServices
from desktopapp.ui.settings_dialog import SettingsDialog
from tests.ui_helpers import OFFSCREEN_QUIRKS, LiveStack, open_window

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "tests" / "artifacts"
pytestmark = OFFSCREEN_QUIRKS

# what each bundled model's PROVENANCE.md states as its licence(s)
MODEL_LICENCES = {
    "nanodet_g_416.onnx": ("Apache-2.0", "MIT"),
    "ssd_mobilenet_v2_coco.onnx": ("Apache-2.0",),
}


def save_shot(widget, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    image = widget.grab()
    assert image.save(str(ARTIFACTS / name))
    if os.environ.get("PHOTOLOT_UPDATE_DOCS"):
        assert image.save(str(REPO / "docs" / name))


# -- the preferences file ------------------------------------------------------------------


def test_the_file_lives_in_the_config_dir_and_is_the_users_alone(isolated_dirs):
    path = save_user_config(UserConfig(language="fr", workers=3))
    assert path == config_path() == isolated_dirs / "config" / "PhotoLot" / "settings.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_user_config() == (UserConfig(language="fr", workers=3), [])
    with pytest.raises(ConfigError) as refused:
        save_user_config(UserConfig(workers=0, port=80, max_megapixels=5000, analyzer="ai"))
    assert len(refused.value.problems) == 4
    assert load_user_config()[0].workers == 3  # nothing was written


def test_bad_values_in_the_file_are_reported_and_ignored_alone(isolated_dirs):
    path = config_path()
    path.parent.mkdir(parents=True)
    path.write_text('{"workers": 500, "port": "8000", "language": "en", "colour": "blue"}')
    config, problems = load_user_config()
    assert config == UserConfig(language="en")
    assert len(problems) == 3 and all(str(path) in p for p in problems)
    path.write_text("{not json")
    assert load_user_config()[0] == UserConfig()
    assert "not readable as JSON" in load_user_config()[1][0]


def test_cli_settings_honour_the_file_and_flags_win(isolated_dirs, tmp_path):
    _parser, plain = parse([])
    assert settings_from_args(plain).workers == default_workers()  # no file: defaults
    assert settings_from_args(plain).port == DEFAULT_PORT
    save_user_config(
        UserConfig(language="fr", workers=3, port=9100, max_megapixels=210, analyzer="names")
    )
    _parser, plain = parse(["--data-dir", str(tmp_path / "data")])
    settings = settings_from_args(plain)
    assert (settings.workers, settings.port, settings.max_pixels, settings.analyzer) == (
        3,
        9100,
        210_000_000,
        "names",
    )
    assert settings.data_dir == (tmp_path / "data").resolve()
    assert language_from_args(plain, load_user_config()[0]) == "fr"
    flags = ["--workers", "5", "--port", "0", "--max-megapixels", "50", "--lang", "en"]
    _parser, given = parse(flags)
    settings = settings_from_args(given)
    assert (settings.workers, settings.port, settings.max_pixels) == (5, 0, 50_000_000)
    assert settings.analyzer == "names"  # no flag for it: the file's
    assert language_from_args(given, load_user_config()[0]) == "en"
    _parser, process = parse(["process", str(tmp_path), "--workers", "2"])
    assert settings_from_args(process).workers == 2
    assert settings_from_args(process).port == 9100


# -- the Settings dialog --------------------------------------------------------------------


def click(dialog: SettingsDialog, which: QDialogButtonBox.StandardButton) -> None:
    dialog.buttons.button(which).click()


def test_settings_dialog_saves_and_a_fresh_load_reads_them(qtbot, isolated_dirs):
    dialog = SettingsDialog(Translator("fr"))
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.values() == UserConfig()  # no file yet: every default
    assert dialog.port.value() == DEFAULT_PORT
    assert "prochain démarrage" in dialog.restart_note.text()
    dialog.language.setCurrentIndex(dialog.language.findData("en"))
    dialog.workers.setValue(3)
    dialog.analyzer.setCurrentIndex(dialog.analyzer.findData("names"))
    dialog.megapixels.setValue(210)
    dialog.port.setValue(9200)
    click(dialog, QDialogButtonBox.StandardButton.Save)
    assert not dialog.isVisible() and dialog.changed
    expected = UserConfig(
        language="en", workers=3, port=9200, max_megapixels=210.0, analyzer="names"
    )
    assert load_user_config() == (expected, [])

    again = SettingsDialog(Translator("en"))
    qtbot.addWidget(again)
    assert again.values() == expected
    assert again.language.currentText() == "English"
    assert again.workers.value() == 3 and again.port.value() == 9200
    click(again, QDialogButtonBox.StandardButton.RestoreDefaults)
    assert again.values() == UserConfig()
    click(again, QDialogButtonBox.StandardButton.Save)
    assert load_user_config() == (UserConfig(), [])
    assert config_path().read_text().strip() == "{}"


def test_settings_dialog_refuses_invalid_values(qtbot, isolated_dirs):
    save_user_config(UserConfig(workers=2))
    dialog = SettingsDialog(Translator("fr"))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.port.setValue(80)  # a privileged port
    dialog.megapixels.setValue(5)  # below the smallest limit
    click(dialog, QDialogButtonBox.StandardButton.Save)
    assert dialog.isVisible() and dialog.saved is None
    assert dialog.error.isVisible()
    assert "port" in dialog.error.text() and "mégapixels" in dialog.error.text()
    assert load_user_config()[0] == UserConfig(workers=2)  # the file is untouched
    dialog.workers.setValue(10_000)
    assert dialog.workers.value() == 64  # the spin box stops at the range's end
    dialog.port.setValue(0)  # any free port is fine
    dialog.megapixels.setValue(0)  # the default
    click(dialog, QDialogButtonBox.StandardButton.Save)
    assert not dialog.isVisible()
    assert load_user_config()[0] == UserConfig(workers=64, port=0)


# -- the window: menus, About, first run ------------------------------------------------------


class Services(DesktopServices):
    def __init__(self) -> None:
        self.opened: list[str] = []
        super().__init__(open_url=lambda url: self.opened.append(url.toString()) or True)


@pytest.fixture
def stack(data_dir):
    live = LiveStack(data_dir, workers=2, analyzer="names")
    live.start_server()
    yield live
    live.stop()


@pytest.fixture
def make_window(qtbot, stack, data_dir):
    windows: list[MainWindow] = []

    def make(lang: str = "fr") -> MainWindow:
        window = open_window(
            qtbot, stack, data_dir, lang=lang, services=Services(), size=(1240, 820)
        )
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()


def menu_titles(window: MainWindow) -> dict[str, list[str]]:
    return {
        action.text(): [a.text() for a in action.menu().actions() if not a.isSeparator()]
        for action in window.menuBar().actions()
        if action.menu() is not None
    }


def test_menus_open_settings_and_about(qtbot, make_window, isolated_dirs):
    window = make_window("fr")
    menus = menu_titles(window)
    assert "&Paramètres…" in menus["&Fichier"]
    assert menus["&Fichier"][-1] == "&Quitter"
    assert menus["&Aide"] == ["À &propos de PhotoLot"]
    assert window.actions_by_shortcut["Ctrl+,"] is window.app_menus.settings_action
    assert window.actions_by_shortcut["F1"] is window.app_menus.about_action

    window.app_menus.settings_action.trigger()
    dialog = window.app_menus.settings_dialog
    qtbot.waitUntil(lambda: dialog is not None and dialog.isVisible())
    save_shot(dialog, "settings-window.png")
    dialog.workers.setValue(2)
    click(dialog, QDialogButtonBox.StandardButton.Save)
    # the window has no way to restart itself here: it says when the change applies
    qtbot.waitUntil(lambda: "prochain démarrage" in window.banner.text())
    assert load_user_config()[0] == UserConfig(workers=2)

    window.app_menus.about_action.trigger()
    qtbot.waitUntil(lambda: window.app_menus.about_dialog is not None)
    about = window.app_menus.about_dialog
    qtbot.waitUntil(about.isVisible)
    about.components.verticalScrollBar().setValue(0)
    save_shot(about, "about-window.png")
    about.close()


def test_about_shows_version_data_folder_and_each_models_licence(
    qtbot, make_window, data_dir, stack
):
    window = make_window("en")
    about = window.app_menus.open_about()
    qtbot.waitUntil(about.isVisible)
    text = about.text()
    assert f"Version {__version__}" in text
    assert str(data_dir) in text
    assert str(data_dir / "logs" / "photolot.log") in text
    assert stack.base_url in text
    models = sorted(p.name for p in (resources_dir() / "models").glob("*.PROVENANCE.md"))
    assert len(models) == len(MODEL_LICENCES)
    components = about.components.toPlainText()
    for model, licences in MODEL_LICENCES.items():
        line = next(line for line in components.splitlines() if line.startswith(model))
        for licence in licences:
            assert licence in line, (model, line)
    for part in ("DejaVu", "SOURCES.txt", "CC0 1.0", "LGPLv3", "PSF-2.0"):
        assert part in components, part
    for package in ("aiohttp", "huey", "peewee", "fpdf2", "onnxruntime", "numpy", "Pillow"):
        assert package in components, package
    assert "LGPL-3.0-only" in components  # fpdf2's

    about.data_link.linkActivated.emit(QUrl.fromLocalFile(str(data_dir)).toString())
    assert window.services.opened[-1] == QUrl.fromLocalFile(str(data_dir)).toString()
    licence = resources_dir() / "models" / "LICENSE-nanodet.txt"
    about.components.anchorClicked.emit(QUrl.fromLocalFile(str(licence)))
    assert window.services.opened[-1] == QUrl.fromLocalFile(str(licence)).toString()
    assert f'href="{QUrl.fromLocalFile(str(licence)).toString()}"' in (about.components.toHtml())
    assert window.app_menus.open_about() is about  # one at a time
    about.close()


def test_try_with_sample_photos_creates_a_batch_of_them(qtbot, make_window, stack):
    samples = sample_photos()
    assert len(samples) >= 3
    window = make_window("fr")
    offer = window.sample_offer
    assert offer.button.text() == "Essayer avec des photos d'exemple"
    qtbot.waitUntil(offer.isVisible)  # the list has loaded and is empty
    assert window.stack.currentWidget() is window.empty
    save_shot(window, "first-run-window.png")
    qtbot.mouseClick(offer.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.progress.client is not None, timeout=10_000)
    batch_id = window.progress.client.batch_id
    qtbot.waitUntil(lambda: window.progress.client.is_finished, timeout=60_000)
    rest = stack.rest(f"/api/batches/{batch_id}")
    assert sorted(p["fileName"] for p in rest["photos"]) == sorted(p.name for p in samples)
    assert rest["status"] == "COMPLETED"
    assert {p["roomType"] for p in rest["photos"]} >= {"living_room", "kitchen", "bedroom"}
    assert not offer.isVisible()  # there is a batch now
    assert window.history_model.rowCount() == 1


def test_restart_now_is_offered_when_the_app_can_restart(qtbot, make_window, isolated_dirs):
    window = make_window("en")
    menus = window.app_menus
    menus.can_restart = True  # as app.run_gui sets it
    dialog = menus.open_settings()
    qtbot.waitUntil(dialog.isVisible)
    dialog.analyzer.setCurrentIndex(dialog.analyzer.findData("names"))
    with qtbot.waitSignal(menus.restartRequested, timeout=5000):
        click(dialog, QDialogButtonBox.StandardButton.Save)
        qtbot.waitUntil(lambda: menus.restart_box is not None and menus.restart_box.isVisible())
        now = next(b for b in menus.restart_box.buttons() if b.text() == "Restart now")
        now.click()
    assert load_user_config()[0] == UserConfig(analyzer="names")


def test_the_relaunch_command_keeps_the_program_and_drops_the_options(monkeypatch):
    from desktopapp import app

    monkeypatch.setattr(app.sys, "argv", ["main.py", "--workers", "2", "photo.jpg"])
    monkeypatch.setattr(
        app.sys,
        "orig_argv",
        ["/usr/bin/python3", "-X", "utf8", "main.py", "--workers", "2", "photo.jpg"],
    )
    assert app.relaunch_command("/data") == [
        "/usr/bin/python3",
        "-X",
        "utf8",
        "main.py",
        "--data-dir",
        "/data",
    ]
    monkeypatch.setattr(app.sys, "frozen", True, raising=False)
    monkeypatch.setattr(app.sys, "executable", "/opt/photolot")
    assert app.relaunch_command("/data") == ["/opt/photolot", "--data-dir", "/data"]
