"""The window end to end: real Core + workers + ServerThread on port 0, real drops.

The window only talks HTTP/SSE to the server, like the browser; the assertions compare
what it shows with `GET /api/batches/{id}` (the test's view of the truth).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QRectF, Qt, QUrl

from desktopapp.ui.api_client import ApiClient
from desktopapp.ui.main_window import MainWindow
from desktopapp.ui.photo_model import Role
from desktopapp.ui.services import DesktopServices
from desktopapp.ui.sse_client import Connection
from tests.helpers import make_photo, make_photos
from tests.ui_helpers import (
    OFFSCREEN_QUIRKS,
    Gate,
    LiveStack,
    drag_and_drop,
    drop_paths,
    open_window,
)

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
pytestmark = OFFSCREEN_QUIRKS

CORPUS_PICKS = [
    "photos/shandutta__homematch-v2/mock-home-1.jpg",
    "photos/shandutta__homematch-v2/mock-home-2.jpg",
    "photos/shandutta__homematch-v2/mock-home-3.jpg",
    "photos/recurser__exif-orientation-examples/Landscape_6.jpg",
    "photos/ianare__exif-samples/jpg/Canon_40D.jpg",
]


def open_without_redirect(url: str) -> int:
    """The status of a browser's first GET of `url` (the redirect is not followed)."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=10)
    try:
        connection.request("GET", f"{parts.path}?{parts.query}")
        return connection.getresponse().status
    finally:
        connection.close()


class Services(DesktopServices):
    def __init__(self) -> None:
        self.opened: list[str] = []
        self.photos: list[str] = []
        self.folder = ""
        self.save_as = ""
        super().__init__(
            open_photos=lambda *_: list(self.photos),
            open_folder=lambda *_: self.folder,
            save_file=lambda *_: self.save_as,
            open_url=lambda url: self.opened.append(url.toString()) or True,
        )


@pytest.fixture
def stack(data_dir):
    live = LiveStack(data_dir, workers=2)
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


def photo_folder(root: Path, corpus: Path, generated: int = 12) -> Path:
    """Generated kitchen photos, real corpus photos in a living room."""
    folder = root / "Appartement"
    for i in range(generated):  # camera-sized, so the batch lasts long enough to watch
        make_photo(folder / "Cuisine" / f"cuisine-{i:03d}.jpg", seed=i, size=(1600, 1200))
    living = folder / "Salon"
    living.mkdir(parents=True)
    for i, relative in enumerate(CORPUS_PICKS):
        shutil.copy(corpus / relative, living / f"salon-{i}{Path(relative).suffix}")
    return folder


def wait_finished(qtbot, window: MainWindow, timeout: int = 90_000) -> None:
    qtbot.waitUntil(
        lambda: window.progress.client is not None and window.progress.client.is_finished,
        timeout=timeout,
    )


def assert_matches_rest(window: MainWindow, stack: LiveStack) -> dict:
    client = window.progress.client
    rest = stack.rest(f"/api/batches/{client.batch_id}")
    progress = window.progress
    assert progress.badge.status == rest["status"]
    assert progress.counter_values() == {k: rest["counts"][k] for k in progress.counters}
    assert progress.percent.text().replace("\u202f", "") == f"{rest['progress']}%"
    model = progress.model
    rows = [model.photo(row) for row in range(model.rowCount())]
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids)), "a photo shows twice"
    assert ids == [photo["id"] for photo in rest["photos"]]
    for shown, truth in zip(rows, rest["photos"], strict=True):
        for key in ("status", "fileName", "roomType", "errorCode", "thumbnailUrl"):
            assert shown.get(key) == truth.get(key), (key, shown, truth)
    return rest


def test_drop_folder_reaches_completed_through_the_stream(
    qtbot, make_window, stack, corpus, tmp_path
):
    window = make_window()
    folder = photo_folder(tmp_path, corpus, generated=40)
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 64)  # fails alone
    gate = Gate(stack.core, free=18)  # hold the batch mid-way to look at it
    try:
        accepted = drop_paths(window.drop_zone, [folder])
        assert accepted == (True, True)
        qtbot.waitUntil(lambda: window.progress.client is not None, timeout=5000)
        assert window.stack.currentWidget() is window.progress  # shown at once
        progress = window.progress
        qtbot.waitUntil(
            lambda: (
                progress.client.state.counts["processing"] == 2
                and progress.client.state.processed >= 18
            ),
            timeout=30_000,
        )
        # mid-batch: the rows at work (spinner, clock) under finished ones
        model = progress.model
        busy = next(r for r in range(model.rowCount()) if model.photo(r)["status"] == "PROCESSING")
        progress.list.scrollTo(model.index(busy), progress.list.ScrollHint.PositionAtCenter)
        assert progress.spinner.running and progress.live.state == "live"
        window.repaint()  # paints the rows on screen: their thumbnails are asked for
        qtbot.waitUntil(lambda: window.thumbnails.pending == 0, timeout=10_000)
        qtbot.waitUntil(lambda: not progress.bar.animating, timeout=5000)
        repaints = progress.spinner.repaints
        qtbot.waitUntil(lambda: progress.spinner.repaints >= repaints + 4, timeout=5000)
        ARTIFACTS.mkdir(exist_ok=True)
        assert window.grab().save(str(ARTIFACTS / "window-mid-batch.png"))
        # consistent mid-way too: once the photos before the gate have all reported (the
        # wait above can end one event early: the broken photo never reaches the gate)
        qtbot.waitUntil(lambda: bool(assert_matches_rest(window, stack)), timeout=10_000)
    finally:
        gate.open()
    wait_finished(qtbot, window)
    rest = assert_matches_rest(window, stack)
    assert rest["status"] == "PARTIAL"
    assert rest["counts"]["failed"] == 1 and rest["counts"]["total"] == 40 + len(CORPUS_PICKS) + 1
    assert progress.summary.isVisible()
    assert progress.summary.summary == rest["inventorySummary"]
    assert progress.live.state == "finished"
    assert not progress.spinner.running
    history = window.history_model.get(rest["batchId"])
    assert history["status"] == "PARTIAL" and history["progress"] == 100
    # no tray offscreen: the in-window banner announces the end
    qtbot.waitUntil(lambda: window.banner.isVisible() and "terminé" in window.banner.text())
    assert window.banner.kind == "warning"
    assert model_error_tooltip(progress.model)
    progress.list.scrollToTop()
    window.repaint()
    qtbot.waitUntil(lambda: window.thumbnails.pending == 0, timeout=10_000)
    qtbot.waitUntil(lambda: not progress.bar.animating, timeout=5000)
    assert window.grab().save(str(ARTIFACTS / "window-finished.png"))


def model_error_tooltip(model) -> str:
    for row in range(model.rowCount()):
        index = model.index(row)
        if model.photo(row)["status"] == "ERROR":
            return index.data(Qt.ItemDataRole.ToolTipRole)
    return ""


def test_server_restart_mid_batch_resumes_with_last_event_id(qtbot, make_window, stack, tmp_path):
    window = make_window()
    folder = tmp_path / "big"
    make_photos(folder, 60)
    gate = Gate(stack.core, free=10)
    try:
        window.create_batch([str(folder)])
        qtbot.waitUntil(
            lambda: (
                window.progress.client is not None and window.progress.client.state.processed >= 10
            ),
            timeout=30_000,
        )
        client = window.progress.client
        qtbot.waitUntil(lambda: client.last_event_id != "", timeout=5000)
        seen_before = int(client.last_event_id)
        port = stack.port
        stack.stop_server()  # every stream ends; the client starts reconnecting
        qtbot.waitUntil(lambda: client.connection == Connection.RECONNECTING, timeout=10_000)
        assert window.progress.live.state == "reconnecting"
        assert "reconnexion" in window.progress.live.text()
    finally:
        gate.open()  # the workers go on while the server is down: the journal grows
    stack.start_server(port)
    wait_finished(qtbot, window)
    resumed = [int(entry) for entry in client.connect_log[1:] if entry]
    assert resumed and min(resumed) >= seen_before, client.connect_log  # Last-Event-ID sent
    assert window.progress.model.resets == 1  # only the first set_state: no reload later
    rest = assert_matches_rest(window, stack)
    assert rest["counts"]["completed"] == 60


def test_quit_mid_batch_then_restart_finishes_it(qtbot, make_window, stack, data_dir, tmp_path):
    window = make_window()
    make_photos(tmp_path / "q", 30)
    gate = Gate(stack.core, free=5)
    window.create_batch([str(tmp_path / "q")])
    qtbot.waitUntil(
        lambda: window.progress.client is not None and window.progress.client.state.processed >= 5,
        timeout=30_000,
    )
    batch_id = window.progress.batch_id
    with qtbot.waitSignal(window.quitRequested, timeout=2000):
        window.close()
    gate.open()
    stack.stop()  # what app.py does after the window closed: server, then workers
    again = LiveStack(data_dir, workers=2)  # the next launch re-queues the unfinished
    try:
        again.start_server()
        second = MainWindow(
            ApiClient(again.base_url, again.token), data_dir, lang="fr", use_tray=False
        )
        qtbot.addWidget(second)
        second.show()
        qtbot.waitUntil(lambda: second.progress.batch_id == batch_id, timeout=5000)  # remembered
        wait_finished(qtbot, second)
        rest = assert_matches_rest(second, again)
        assert rest["status"] == "COMPLETED" and rest["counts"]["completed"] == 30
        second.close()
    finally:
        again.stop()


def test_quit_stops_drops_and_closes_streams(qtbot, make_window, stack, tmp_path):
    window = make_window()
    make_photos(tmp_path / "p", 3)
    window.create_batch([str(tmp_path / "p")])
    qtbot.waitUntil(lambda: window.progress.client is not None, timeout=5000)
    with qtbot.waitSignal(window.quitRequested, timeout=2000):
        window.close()
    assert not window.accepting and not window.drop_zone.accepting
    assert window.monitor.clients == {}
    assert drop_paths(window.drop_zone, [tmp_path / "p"]) == (False, False)


def test_geometry_and_last_batch_are_remembered(qtbot, make_window, stack, data_dir, tmp_path):
    first = make_window()
    make_photos(tmp_path / "p", 2)
    first.create_batch([str(tmp_path / "p")])
    qtbot.waitUntil(lambda: first.progress.batch_id is not None, timeout=5000)
    batch_id = first.progress.batch_id
    first.resize(first.width(), 577)  # the offscreen screen is 800×800: vary the height
    first.close()
    assert (data_dir / "ui.ini").is_file()
    second = make_window(size=None)
    qtbot.waitUntil(lambda: second.progress.batch_id == batch_id, timeout=5000)
    assert second.size().height() == 577


def test_actions_export_browser_retry(qtbot, make_window, stack, services, tmp_path):
    window = make_window(lang="en")
    folder = tmp_path / "in"
    make_photos(folder, 3)
    broken = folder / "zz-broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 64)
    window.create_batch([str(folder)])
    wait_finished(qtbot, window)
    progress = window.progress
    batch_id = progress.batch_id
    # export CSV: save dialog answer, then the file written from the API's export
    services.save_as = str(tmp_path / "out.csv")
    progress.export_button.click()
    qtbot.waitUntil(lambda: (tmp_path / "out.csv").exists(), timeout=5000)
    assert (tmp_path / "out.csv").read_text(encoding="utf-8").count("\n") >= 4
    qtbot.waitUntil(lambda: "Export saved" in window.banner.text())
    # export PDF: the same way, the report in the window's language
    services.save_as = str(tmp_path / "out.pdf")
    progress.export_pdf_button.click()
    qtbot.waitUntil(lambda: (tmp_path / "out.pdf").exists(), timeout=10_000)
    report = PdfReader(tmp_path / "out.pdf")
    assert "Moving inventory" in "".join(page.extract_text() for page in report.pages)
    # open in browser: a one-time ticket from the server (never the install token),
    # through the desktop services; the link signs a browser in once
    progress.browser_button.click()
    qtbot.waitUntil(lambda: len(services.opened) == 1, timeout=5000)
    (opened,) = services.opened
    # the browser is handed a user-only local file, never the ticket itself: a command
    # line (xdg-open <url>) is readable by every local user in /proc
    assert opened.startswith("file:///") and "token" not in opened
    redirect = Path(QUrl(opened).toLocalFile())
    assert redirect.stat().st_mode & 0o777 == 0o600
    assert redirect.parent.stat().st_mode & 0o777 == 0o700
    page = redirect.read_text()
    link = re.search(r'window\.location\.replace\("([^"]+)"\)', page).group(1)
    assert f'content="0;url={link}"' in page
    assert link.startswith(f"{stack.base_url}/batches/{batch_id}?token=")
    ticket = link.partition("?token=")[2]
    assert len(ticket) >= 43 and ticket != stack.token
    assert open_without_redirect(link) == 303
    assert open_without_redirect(link) == 401
    # retry failed: POST, then the finished stream follows the batch again
    assert progress.retry_failed_button.isEnabled()
    make_photo(broken, seed=99)  # the file is good now: the retry succeeds
    progress.retry_failed_button.click()
    qtbot.waitUntil(lambda: "queued again" in window.banner.text(), timeout=5000)
    qtbot.waitUntil(lambda: progress.client.state.status == "COMPLETED", timeout=30_000)
    assert_matches_rest(window, stack)
    assert not progress.retry_failed_button.isEnabled()


def test_open_in_browser_says_so_when_no_link_can_be_made(
    qtbot, make_window, stack, services, tmp_path
):
    window = make_window(lang="en")
    make_photos(tmp_path / "in", 1)
    window.create_batch([str(tmp_path / "in")])
    wait_finished(qtbot, window)
    stack.stop_server()
    window.progress.browser_button.click()
    qtbot.waitUntil(lambda: "The page could not be opened" in window.banner.text(), timeout=5000)
    assert services.opened == []


def test_add_photos_shortcut_and_forwarded_files(qtbot, make_window, stack, services, tmp_path):
    window = make_window()
    shortcuts = set(window.actions_by_shortcut)
    assert {"Ctrl+O", "Ctrl+Q", "F5"} <= shortcuts
    services.photos = [str(p) for p in make_photos(tmp_path / "a", 2)]
    window.actions_by_shortcut["Ctrl+O"].trigger()
    qtbot.waitUntil(lambda: window.progress.batch_id is not None, timeout=5000)
    first_batch = window.progress.batch_id
    wait_finished(qtbot, window)
    from desktopapp.ui.single_instance import SingleInstance

    primary = SingleInstance(tmp_path / "inst")
    secondary = SingleInstance(tmp_path / "inst")
    try:
        assert primary.acquire() and not secondary.acquire()
        primary.filesReceived.connect(window.handle_forwarded)
        make_photos(tmp_path / "b", 2)
        assert secondary.forward([tmp_path / "b"])
        qtbot.waitUntil(lambda: window.progress.batch_id not in (None, first_batch), timeout=5000)
    finally:
        primary.release()
    wait_finished(qtbot, window)
    assert [b["batchId"] for b in window.history_model.batches()][:2] == [
        window.progress.batch_id,
        first_batch,
    ]


def test_nothing_to_import_shows_a_warning(qtbot, make_window, tmp_path):
    window = make_window()
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "readme.txt").write_text("no photos here")
    assert drop_paths(window.drop_zone, [folder]) == (True, True)
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=5000)
    assert window.banner.kind == "warning"
    assert not window.drop_zone.busy


def test_whole_window_accepts_drops(qtbot, make_window, tmp_path):
    window = make_window()
    make_photos(tmp_path / "w", 1)
    assert drop_paths(window, [tmp_path / "w"]) == (True, True)
    qtbot.waitUntil(lambda: window.progress.batch_id is not None, timeout=5000)


def test_remote_urls_are_refused(qtbot, make_window):
    window = make_window()
    assert drag_and_drop(window.drop_zone, [QUrl("https://example.com/a.jpg")]) == (False, False)


def test_files_arriving_while_a_batch_is_made_wait_their_turn(qtbot, make_window, tmp_path):
    window = make_window()
    make_photos(tmp_path / "one", 1)
    make_photos(tmp_path / "two", 1, prefix="other")
    window.create_batch([str(tmp_path / "one")])
    window.handle_forwarded([str(tmp_path / "two")])  # a second launch, at the same moment
    qtbot.waitUntil(lambda: window.history_model.rowCount() == 2, timeout=10_000)
    qtbot.waitUntil(lambda: not window.drop_zone.busy, timeout=5000)


def test_live_batch_inventory_rows_and_viewer(qtbot, make_window, stack, tmp_path):
    """A real batch whose analyzer finds furniture: the inventory fills in while it runs
    (names and volumes from the server's catalogue), equals the server's summary at the
    end, the rows name their items, and the viewer draws the boxes on the preview."""
    window = make_window(lang="fr")
    folder = tmp_path / "Maison"
    for i in range(5):
        make_photo(folder / "Cuisine" / f"cuisine-{i}.jpg", seed=100 + i, size=(900, 1200))
        make_photo(folder / "Salon" / f"salon-{i}.jpg", seed=i, size=(1200, 900))
    gate = Gate(stack.core, free=4)  # the kitchen comes first: hold the living room back
    progress = window.progress
    summary = progress.summary

    def names() -> list[str]:
        return [line[0] for line in summary.tree.lines()]

    try:
        window.create_batch([str(folder)])
        qtbot.waitUntil(
            lambda: progress.client is not None and progress.client.state.processed >= 4,
            timeout=30_000,
        )
        # mid-batch: shown, provisional, named from the server's catalogue
        qtbot.waitUntil(
            lambda: summary.isVisible() and "Table de salle à manger" in names(), timeout=10_000
        )
        assert summary.provisional and not progress.client.state.is_final
        lines = {line[0]: line for line in summary.tree.lines()}
        assert lines["Chaise"][1] == "4"  # four chairs in each photo: four, not sixteen
        assert "Canapé" not in lines
    finally:
        gate.open()
    wait_finished(qtbot, window)
    rest = assert_matches_rest(window, stack)
    assert summary.summary == rest["inventorySummary"] and not summary.provisional
    lines = {line[0]: line for line in summary.tree.lines()}
    assert {"Salon", "Cuisine", "Canapé", "Bibliothèque", "Chaise"} <= set(lines)
    packed = rest["inventorySummary"]["totalPackedVolume"]
    assert packed > 0 and summary.packed_tile.figure.text() == window.tr_.volume(packed, 2)
    model = progress.model
    rows = {model.photo(r)["fileName"]: r for r in range(model.rowCount())}
    detail = model.index(rows["salon-0.jpg"]).data(Role.Detail)
    assert detail == "Salon · Canapé ×1 · Bibliothèque ×1"

    progress.list.setFocus()
    progress.list.setCurrentIndex(model.index(rows["salon-1.jpg"]))
    qtbot.keyClick(progress.list, Qt.Key.Key_Return)
    viewer = progress.viewer
    assert viewer is not None and viewer.isVisible()
    canvas = viewer.canvas
    qtbot.waitUntil(lambda: canvas.image is not None, timeout=10_000)
    assert progress.previews.source(model.photo(rows["salon-1.jpg"])["id"]) == "preview"
    assert canvas.image.size().toTuple() == (1200, 900)  # ≤ 1280 px: as it is
    assert len(canvas.boxes) == 1 and "Bibliothèque ×1" in viewer.unboxed.text()
    canvas.setFixedSize(600 + 24, 450 + 24)  # the sofa's box [0.05, 0.4, 0.7, 0.95]
    assert canvas.box_rects()[0] == QRectF(12 + 30, 12 + 180, 390, 247.5)
    ARTIFACTS.mkdir(exist_ok=True)
    assert viewer.grab().save(str(ARTIFACTS / "viewer.png"))
    qtbot.keyClick(canvas, Qt.Key.Key_Right)
    assert progress.list.currentIndex().row() == rows["salon-2.jpg"]
    qtbot.keyClick(canvas, Qt.Key.Key_Escape)
    assert not viewer.isVisible()
    assert window.grab().save(str(ARTIFACTS / "window-inventory.png"))
