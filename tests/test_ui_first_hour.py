"""The window's first hour, end to end (a real Core with the "names" analyzer, the real
server on port 0, the real window): what a new user meets before any review work.

- "Open in browser" with no browser: a dialog with the link and a Copy button;
- exports open in Documents, then in the folder used last (remembered in ui.ini);
- the message banner going away moves nothing under the pointer;
- the first window fits the screen;
- "Retry failed photos" says what it retried and what it cannot (names and why), and is
  off when no failed photo can be fixed by a retry;
- dropping the same photos again asks: open that batch / import anyway / cancel.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from desktopapp.ui.duplicate_check import DuplicateDialog
from desktopapp.ui.link_dialog import LinkDialog
from desktopapp.ui.main_window import MainWindow
from desktopapp.ui.screen_fit import FRAME_HEIGHT, FRAME_WIDTH, fit_size
from desktopapp.ui.services import DesktopServices
from desktopapp.ui.ui_settings import UiSettings
from tests.helpers import make_photo, make_photos
from tests.ui_helpers import OFFSCREEN_QUIRKS, LiveStack, drop_paths, open_window

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
pytestmark = OFFSCREEN_QUIRKS
WAIT = 10_000


class Services(DesktopServices):
    """The desktop, scripted: a browser that never starts, a save dialog that answers."""

    def __init__(self) -> None:
        self.opened: list[str] = []
        self.suggested: list[str] = []
        self.save_as = ""
        super().__init__(
            open_photos=lambda *_: [],
            open_folder=lambda *_: "",
            save_file=self._save,
            open_url=lambda url: self.opened.append(url.toString()) and False,
        )

    def _save(self, _parent, _title, suggested, _filters) -> str:
        self.suggested.append(suggested)
        return self.save_as


@pytest.fixture
def stack(data_dir):
    live = LiveStack(data_dir, workers=2, analyzer="names")
    live.start_server()
    yield live
    live.stop()


@pytest.fixture
def services():
    return Services()


@pytest.fixture
def make_window(qtbot, stack, data_dir, services):
    windows: list[MainWindow] = []

    def make(lang: str = "fr", size: tuple[int, int] | None = (1240, 820)) -> MainWindow:
        window = open_window(qtbot, stack, data_dir, lang=lang, services=services, size=size)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()


def finished_batch(qtbot, window: MainWindow, paths: list[Path]) -> int:
    window.create_batch([str(p) for p in paths])
    progress = window.progress
    qtbot.waitUntil(lambda: progress.client is not None, timeout=WAIT)
    qtbot.waitUntil(lambda: progress.client.is_finished, timeout=60_000)
    return progress.batch_id


def test_no_browser_shows_the_link_to_copy(qtbot, make_window, stack, services, tmp_path):
    window = make_window(lang="en")
    batch_id = finished_batch(qtbot, window, make_photos(tmp_path / "in", 1))
    progress = window.progress
    progress.browser_button.click()
    qtbot.waitUntil(lambda: isinstance(progress.dialog, LinkDialog), timeout=WAIT)
    dialog = progress.dialog
    qtbot.waitExposed(dialog)
    (asked,) = services.opened  # the desktop was asked first (a local redirect file), said no
    assert asked.startswith("file:///") and "token" not in asked
    link = dialog.field.text()
    assert link.startswith(f"{stack.base_url}/batches/{batch_id}?token=")
    assert stack.token not in link  # a one-time ticket, never the install token
    assert dialog.field.isReadOnly()
    QGuiApplication.clipboard().clear()
    dialog.copy_button.click()
    assert QGuiApplication.clipboard().text() == link
    assert dialog.copy_button.text() == "Copied ✓"
    dialog.close_button.click()
    qtbot.waitUntil(lambda: progress.dialog is None, timeout=WAIT)


def test_exports_open_in_documents_then_the_last_folder(
    qtbot, make_window, services, data_dir, isolated_dirs, tmp_path
):
    documents = Path(isolated_dirs) / "Documents"
    documents.mkdir(exist_ok=True)
    window = make_window(lang="en")
    batch_id = finished_batch(qtbot, window, make_photos(tmp_path / "in", 2))
    progress = window.progress
    chosen = tmp_path / "exports"
    chosen.mkdir()
    services.save_as = str(chosen / "inventaire.csv")
    progress.export_button.click()
    assert services.suggested == [str(documents / f"photolot-batch-{batch_id}.csv")]
    qtbot.waitUntil(lambda: (chosen / "inventaire.csv").exists(), timeout=WAIT)
    # the next export (PDF too) opens where the last one went, and so does the next run
    services.save_as = ""  # the person cancels this one
    progress.export_pdf_button.click()
    assert services.suggested[-1] == str(chosen / f"photolot-batch-{batch_id}.pdf")
    assert UiSettings(data_dir).export_dir == str(chosen)
    # a remembered folder that is gone: Documents again
    chosen.joinpath("inventaire.csv").unlink()
    chosen.rmdir()
    progress.export_button.click()
    assert services.suggested[-1] == str(documents / f"photolot-batch-{batch_id}.csv")


def test_the_banner_going_away_moves_no_button(qtbot, make_window, tmp_path):
    window = make_window()
    finished_batch(qtbot, window, make_photos(tmp_path / "in", 1))
    progress, banner = window.progress, window.banner
    slot = banner.parentWidget()
    banner.hide()  # the "Lot #1 créé" of the batch above: gone before measuring
    qtbot.waitUntil(lambda: not slot._fit_later.isActive(), timeout=WAIT)

    def button_y() -> int:
        return progress.export_button.mapTo(window, QPoint(0, 0)).y()

    before = button_y()
    # the green "Lot #1 créé" message, then its timeout: the buttons stay put
    banner.show_message("success", "Lot #1 créé avec 1 photo.", timeout_ms=50)
    qtbot.waitUntil(lambda: banner.isVisible(), timeout=WAIT)
    QApplication.processEvents()
    assert button_y() == before
    assert banner.geometry().height() <= slot.height()
    qtbot.waitUntil(lambda: not banner.isVisible(), timeout=WAIT)
    QApplication.processEvents()
    assert button_y() == before
    # a message with an action button, closed by hand: the same
    banner.show_message("info", "Lot #2 terminé", "Afficher", lambda: None)
    qtbot.waitUntil(lambda: not slot._fit_later.isActive(), timeout=WAIT)
    assert button_y() == before
    banner.close_button.click()
    qtbot.waitUntil(lambda: not slot._fit_later.isActive(), timeout=WAIT)
    assert button_y() == before
    # a long message may take two lines; once it goes, the slot is one line again
    banner.show_message("warning", "Impossible à relancer (3) : " + "photo-très-longue.jpg, " * 20)
    qtbot.waitUntil(lambda: button_y() > before, timeout=WAIT)
    banner.hide()
    qtbot.waitUntil(lambda: button_y() == before, timeout=WAIT)


def test_fit_size_keeps_the_window_on_the_screen():
    # a 1600×1000 screen at 150 %: about 1066×666 logical pixels
    available = QRect(0, 0, 1066, 666)
    size = fit_size(QSize(1200, 780), available)
    assert size == QSize(1066 - FRAME_WIDTH, 666 - FRAME_HEIGHT)
    # a large screen: the wanted size, as it is
    assert fit_size(QSize(1200, 780), QRect(0, 0, 2560, 1400)) == QSize(1200, 780)
    # never below what the window's contents need
    assert fit_size(QSize(1200, 780), available, QSize(1100, 500)).width() == 1100


def test_the_first_window_fits_its_screen(qtbot, make_window):
    window = make_window(size=None)  # no saved geometry: the first run
    screen = window.screen()
    available = screen.availableGeometry()
    want = fit_size(QSize(1200, 780), available, window.minimumSize())
    assert window.size() == want
    frame = window.geometry().adjusted(0, 0, FRAME_WIDTH, FRAME_HEIGHT)
    if window.minimumSize().width() + FRAME_WIDTH <= available.width():
        assert available.contains(frame), (available, frame)


def test_retry_says_what_cannot_be_retried(qtbot, make_window, tmp_path):
    window = make_window()
    folder = tmp_path / "Salon"
    make_photos(folder, 1)
    broken = folder / "coupee.jpg"  # a cut JPEG: a retry may fix it (a copy finishing)
    broken.write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 64)
    notes = tmp_path / "notes.jpg"  # text, named explicitly: never a picture
    notes.write_text("liste des cartons\n" * 20)
    batch_id = finished_batch(qtbot, window, [folder, notes])
    progress = window.progress
    failed = {
        p["fileName"]: p["errorCode"]
        for p in progress.client.state.photos.values()
        if p["status"] == "ERROR"
    }
    assert failed["notes.jpg"] == "not_an_image" and "coupee.jpg" in failed
    assert progress.retry_failed_button.isEnabled()
    make_photo(broken, seed=5)  # the copy finished: the retry succeeds
    progress.retry_failed_button.click()
    qtbot.waitUntil(lambda: "relancée" in window.banner.text(), timeout=WAIT)
    text = window.banner.text()
    assert text.startswith("1 photo relancée.")
    assert "Impossible à relancer (1) : notes.jpg (pas une image)." in text
    assert window.banner.kind == "warning"
    if os.environ.get("PHOTOLOT_SCREENSHOTS"):
        ARTIFACTS.mkdir(exist_ok=True)
        window.grab().save(str(ARTIFACTS / "retry-banner.png"))
    # once the retried photo is done, only the permanent failure is left: nothing to retry
    qtbot.waitUntil(
        lambda: progress.client.is_finished and progress.client.state.counts["failed"] == 1,
        timeout=30_000,
    )
    qtbot.waitUntil(lambda: not progress.retry_failed_button.isEnabled(), timeout=WAIT)
    assert "Relancer n'y changerait rien" in progress.retry_failed_button.toolTip()
    assert progress.batch_id == batch_id


def test_dropping_the_same_photos_again_asks_first(qtbot, make_window, stack, tmp_path):
    window = make_window()
    folder = tmp_path / "Appartement"
    make_photos(folder / "Salon", 2)
    batch_id = finished_batch(qtbot, window, [folder])
    window.progress.review.correct("batch.rename", {"name": "Maison Dupont"})
    qtbot.waitUntil(lambda: stack.rest("/api/batches")["batches"][0]["name"], timeout=WAIT)
    window.refresh_history()
    qtbot.waitUntil(
        lambda: (window.history_model.get(batch_id) or {}).get("name") == "Maison Dupont",
        timeout=WAIT,
    )

    def dropped_again() -> DuplicateDialog:
        assert drop_paths(window.drop_zone, [folder]) == (True, True)
        qtbot.waitUntil(lambda: window.duplicates.dialog is not None, timeout=WAIT)
        dialog = window.duplicates.dialog
        qtbot.waitExposed(dialog)
        assert window.drop_zone.busy  # nothing else is imported meanwhile
        return dialog

    # Open it: the batch shows, no new batch
    window.show_batch(batch_id)
    dialog = dropped_again()
    assert dialog.text() == f"Ces photos sont déjà dans le lot #{batch_id} (« Maison Dupont »)."
    assert "(2 photos)" in dialog.informativeText()
    assert [b.text() for b in (dialog.open_button, dialog.import_button)] == [
        "Ouvrir ce lot",
        "Importer quand même",
    ]
    if os.environ.get("PHOTOLOT_SCREENSHOTS"):
        ARTIFACTS.mkdir(exist_ok=True)
        dialog.grab().save(str(ARTIFACTS / "duplicate-dialog.png"))
    dialog.open_button.click()
    qtbot.waitUntil(lambda: not window.drop_zone.busy, timeout=WAIT)
    assert window.progress.batch_id == batch_id
    assert len(stack.rest("/api/batches")["batches"]) == 1
    # Cancel: nothing happens
    dropped_again().cancel_button.click()
    qtbot.waitUntil(lambda: not window.drop_zone.busy, timeout=WAIT)
    assert len(stack.rest("/api/batches")["batches"]) == 1
    # Import anyway: a new batch of the same photos
    dropped_again().import_button.click()
    qtbot.waitUntil(lambda: window.progress.batch_id not in (None, batch_id), timeout=WAIT)
    assert len(stack.rest("/api/batches")["batches"]) == 2
    qtbot.waitUntil(lambda: window.progress.client.is_finished, timeout=60_000)
    # new files are imported without a question
    make_photos(tmp_path / "Cuisine", 1, prefix="cuisine")
    assert drop_paths(window.drop_zone, [tmp_path / "Cuisine"]) == (True, True)
    qtbot.waitUntil(lambda: len(stack.rest("/api/batches")["batches"]) == 3, timeout=WAIT)
    assert window.duplicates.dialog is None
