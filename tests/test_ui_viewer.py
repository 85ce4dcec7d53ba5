"""The photo viewer against a scripted server: the picture (preview, or the thumbnail when
the server has none), one box per item where the item is, arrows and Escape."""

from __future__ import annotations

import copy

import pytest
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor

from desktopapp.ui.api_client import ApiClient
from desktopapp.ui.batch_state import BatchState
from desktopapp.ui.i18n import Translator
from desktopapp.ui.inventory_view import ItemBook
from desktopapp.ui.photo_model import PhotoListModel
from desktopapp.ui.photo_viewer import MARGIN, PhotoViewer, PreviewLoader, box_color
from desktopapp.ui.progress_widget import BatchProgressWidget
from desktopapp.ui.sse_client import SseClient
from tests.ui_helpers import (
    OFFSCREEN_QUIRKS,
    STREAM_HEAD,
    TOKEN,
    ScriptedServer,
    http_response,
    item,
    jpeg_bytes,
    json_error,
    payload,
    photo,
    server_summary,
    sse,
)

pytestmark = OFFSCREEN_QUIRKS
FR, EN = Translator("fr"), Translator("en")

SOFA_BOX = (0.25, 0.5, 0.75, 1.0)
PHOTOS = [
    photo(
        1,
        "DONE",
        fileName="salon.jpg",
        roomType="living_room",
        roomName="Salon",
        roomSource="name",
        roomCue="Salon",
        width=800,
        height=600,
        items=[
            item("sofa", confidence=0.97, box=SOFA_BOX),
            item("lamp", confidence=0.61, box=(0.05, 0.1, 0.2, 0.6)),
            item("rug", confidence=0.5),  # no box: listed beside the picture
        ],
    ),
    photo(2, "PENDING"),
    photo(
        3,
        "DONE",
        fileName="portrait.jpg",
        roomType="bedroom",
        roomSource="items",
        roomCue="bed",
        width=600,
        height=800,
        items=[item("bed", confidence=0.88, box=(0.1, 0.3, 0.9, 0.9))],
    ),
    photo(4, "ERROR", errorCode="corrupt"),
]


class Pictures:
    """Answers the picture routes: previews (unless the server is too old for them) and
    thumbnails, each a plain JPEG of the photo's oriented aspect."""

    def __init__(self, previews: bool) -> None:
        self.server = ScriptedServer()
        self.server.default = self._route
        self.previews = previews
        self.asked: list[str] = []

    def _route(self, request) -> None:
        self.asked.append(request.path)
        parts = request.path.split("/")  # /api/photos/{id}/{kind}
        pid, kind = int(parts[3]), parts[4]
        width, height = (800, 600) if pid == 1 else (600, 800)
        if kind == "preview" and not self.previews:
            raw = json_error(404, "not_found", "There is nothing at this address.")
        elif kind == "preview":
            raw = http_response(200, jpeg_bytes(width, height, "#406080"), _JPEG)
        else:
            raw = http_response(200, jpeg_bytes(width * 2 // 5, height * 2 // 5), _JPEG)
        request.socket.write(raw)
        request.socket.disconnectFromHost()


_JPEG = {"Content-Type": "image/jpeg"}


def make_viewer(qtbot, pictures: Pictures, lang=FR) -> PhotoViewer:
    state = BatchState(7)
    state.apply(payload(7, copy.deepcopy(PHOTOS), "PARTIAL", 100, snapshot=True))
    book = ItemBook()
    book.learn(server_summary(PHOTOS))
    model = PhotoListModel(lang, items=book)
    model.set_state(state)
    loader = PreviewLoader(ApiClient(pictures.server.url, TOKEN))
    viewer = PhotoViewer(model, loader, lang)
    viewer._keep = (model, loader)  # the test owns them
    qtbot.addWidget(viewer)
    return viewer


@pytest.fixture
def pictures(qtbot):
    scripted = Pictures(previews=True)
    yield scripted
    scripted.server.close()


def test_boxes_sit_on_their_items_at_any_size(qtbot, pictures):
    viewer = make_viewer(qtbot, pictures)
    viewer.show_row(0)
    qtbot.waitExposed(viewer)
    canvas = viewer.canvas
    qtbot.waitUntil(lambda: canvas.image is not None, timeout=5000)
    assert canvas.image.size().toTuple() == (800, 600)  # the preview, not the thumbnail
    assert pictures.asked == ["/api/photos/1/preview", "/api/photos/3/preview"]  # + the next
    assert len(canvas.boxes) == 2 and len(canvas.box_rects()) == 2  # one per boxed item
    # a known size: 600 × 450 px for the picture (margins aside), so a scale of 0.75
    canvas.setFixedSize(600 + 2 * MARGIN, 450 + 2 * MARGIN)
    assert canvas.image_rect() == QRectF(MARGIN, MARGIN, 600, 450)
    sofa = canvas.box_rects()[0]
    assert sofa == QRectF(MARGIN + 150, MARGIN + 225, 300, 225)
    assert canvas.boxes[0].text == "Canapé 97\u202f%"
    # painted there: the sofa's colour on its left edge
    image = canvas.grab().toImage()
    edge = image.pixelColor(round(sofa.left()), round(sofa.center().y()))
    assert close_colour(edge, box_color("sofa")), edge.name()
    # wider: the picture is centred, the box follows it
    canvas.setFixedSize(1000 + 2 * MARGIN, 450 + 2 * MARGIN)
    assert canvas.image_rect() == QRectF(MARGIN + 200, MARGIN, 600, 450)
    assert canvas.box_rects()[0] == QRectF(MARGIN + 350, MARGIN + 225, 300, 225)
    # the items as text: the boxed ones, then the one without a box
    assert viewer.room.text() == "Salon"
    assert viewer.room_source.text() == "d'après le nom «\u00a0Salon\u00a0»"
    assert viewer.items_heading.text() == "Objets repérés (3)"
    assert "Canapé ×1 · 97\u202f%" in viewer.items.text()
    assert viewer.unboxed.text() == "Tapis ×1 · 50\u202f%"
    assert viewer.windowTitle() == "salon.jpg — Salon"


def close_colour(a: QColor, b: QColor, tolerance: int = 40) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a.getRgb()[:3], b.getRgb()[:3], strict=True))


def test_arrows_browse_done_photos_and_escape_closes(qtbot, pictures):
    viewer = make_viewer(qtbot, pictures, EN)
    rows: list[int] = []
    viewer.currentRowChanged.connect(rows.append)
    viewer.show_row(0)
    qtbot.waitExposed(viewer)
    qtbot.waitUntil(lambda: viewer.canvas.image is not None, timeout=5000)
    assert not viewer.previous_button.isEnabled() and viewer.next_button.isEnabled()
    qtbot.keyClick(viewer.canvas, Qt.Key.Key_Right)  # the pending photo is skipped
    assert viewer.row == 2 and rows == [0, 2]
    assert viewer.room.text() == "Bedroom"
    assert viewer.room_source.text() == "from the items (Double bed with headboard)"
    assert viewer.position.text() == "3 / 4"
    qtbot.waitUntil(lambda: viewer.canvas.image is not None, timeout=5000)
    assert viewer.canvas.image.size().toTuple() == (600, 800)  # portrait
    assert viewer.unboxed.isHidden()
    qtbot.keyClick(viewer.canvas, Qt.Key.Key_Right)  # the last DONE photo: stays
    assert viewer.row == 2
    viewer.next_button.setFocus()  # arrows browse even from a button
    qtbot.keyClick(viewer.next_button, Qt.Key.Key_Left)
    assert viewer.row == 0 and viewer.room.text() == "Salon"
    loader = viewer._keep[1]
    assert any(loader.image(photo_id) is not None for photo_id in range(1, 5))
    qtbot.keyClick(viewer.canvas, Qt.Key.Key_Escape)
    assert not viewer.isVisible()
    # a closed viewer keeps no decoded pictures; they come back when it opens again
    assert all(loader.image(photo_id) is None for photo_id in range(1, 5))
    assert viewer.canvas.image is None
    viewer.show_row(0)
    qtbot.waitUntil(lambda: viewer.canvas.image is not None, timeout=5000)


def test_without_a_preview_route_the_thumbnail_is_shown(qtbot):
    pictures = Pictures(previews=False)
    try:
        viewer = make_viewer(qtbot, pictures)
        viewer.show_row(0)
        canvas = viewer.canvas
        qtbot.waitUntil(lambda: canvas.image is not None, timeout=5000)
        assert canvas.image.size().toTuple() == (320, 240)
        loader = viewer._keep[1]
        assert not loader.preview_route and loader.source(1) == "thumbnail"
        qtbot.waitUntil(lambda: not loader.pending(3), timeout=5000)
        # the shown photo and the next one (asked ahead) tried a preview; the 404
        # `not_found` (no such route) sent both to their thumbnails
        assert sorted(pictures.asked) == [
            "/api/photos/1/preview",
            "/api/photos/1/thumbnail",
            "/api/photos/3/preview",
            "/api/photos/3/thumbnail",
        ]
        pictures.asked.clear()
        loader.forget(1)
        loader.request(1)  # from now on: thumbnails only
        qtbot.waitUntil(lambda: loader.image(1) is not None, timeout=5000)
        assert pictures.asked == ["/api/photos/1/thumbnail"]
        canvas.setFixedSize(600 + 2 * MARGIN, 450 + 2 * MARGIN)  # boxes scale the same
        assert canvas.box_rects()[0] == QRectF(MARGIN + 150, MARGIN + 225, 300, 225)
    finally:
        pictures.server.close()


def test_enter_on_a_done_row_opens_the_viewer_and_follows_it(qtbot, pictures):
    """From the batch view: Enter on a processed photo opens it; browsing moves the list."""
    stream_server = pictures.server
    route = pictures._route

    def router(request) -> None:
        if request.path.startswith("/api/batches/7/stream"):
            request.socket.write(STREAM_HEAD + sse(retry=1000))
            snap = payload(7, copy.deepcopy(PHOTOS), "PARTIAL", 100, snapshot=True)
            snap["inventorySummary"] = server_summary(PHOTOS)
            request.socket.write(sse("progress", snap, id=1))
            done = dict(snap)
            done.pop("snapshot")
            done.pop("photos")
            request.socket.write(sse("complete", done, id=2))
            request.socket.disconnectFromHost()
        else:
            route(request)

    stream_server.default = router
    widget = BatchProgressWidget(ApiClient(stream_server.url, TOKEN), FR)
    qtbot.addWidget(widget)
    widget.resize(1000, 800)
    widget.show()
    client = SseClient(stream_server.url, TOKEN, 7)
    widget.set_client(client)
    client.start()
    qtbot.waitUntil(lambda: client.is_finished, timeout=5000)
    widget.list.setFocus()
    widget.list.setCurrentIndex(widget.model.index(1))
    qtbot.keyClick(widget.list, Qt.Key.Key_Return)  # a pending photo: nothing to show
    assert widget.viewer is None
    widget.list.setCurrentIndex(widget.model.index(0))
    qtbot.keyClick(widget.list, Qt.Key.Key_Return)
    viewer = widget.viewer
    assert viewer is not None and viewer.isVisible() and viewer.row == 0
    qtbot.waitUntil(lambda: viewer.canvas.image is not None, timeout=5000)
    qtbot.keyClick(viewer.canvas, Qt.Key.Key_Right)
    assert widget.list.currentIndex().row() == 2
    viewer.close()
    widget.shutdown()
    client.close()


@pytest.mark.timeout(60)
def test_pool_decodes_never_deadlock_with_the_gui_threads_own(qtbot):
    """Pictures decode on pool threads while the GUI thread decodes thumbnails. (A decode
    through a QBuffer made in Python deadlocked here: Qt holds its image-plugin lock while
    it reads the device, and each read asked for the GIL.)"""
    from PySide6.QtCore import QThreadPool
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QApplication

    from desktopapp.ui.photo_viewer import _Decode, _DecodeSignals

    preview, thumbnail = jpeg_bytes(1280, 960), jpeg_bytes(320, 240)
    signals = _DecodeSignals()
    decoded: list[int] = []
    signals.done.connect(lambda photo_id, image, _source: decoded.append(image.width()))
    pool = QThreadPool.globalInstance()
    for photo_id in range(200):
        pool.start(_Decode(photo_id, preview, "preview", signals))
    while pool.activeThreadCount() or len(decoded) < 200:
        assert not QImage.fromData(thumbnail).isNull()  # what ThumbnailLoader does
        QApplication.processEvents()  # the decodes' signals come back here
    assert decoded == [1280] * 200
