"""Helpers for the UI tests: a scripted HTTP/SSE server on the GUI thread, the real stack.

`ScriptedServer` is a tiny HTTP/1.1 server on a QTcpServer: each request is handed to
the next responder the test queued, which writes whatever bytes it likes and may keep
the socket to write more later. It runs on the Qt event loop, so tests stay
deterministic: no thread, no sleep.

`LiveStack` starts the real thing: a `Core` with workers and the real `ServerThread`
on an ephemeral port, in a temporary data dir.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QObject, QPointF, Qt, QUrl, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtNetwork import QHostAddress, QTcpServer, QTcpSocket
from PySide6.QtWidgets import QApplication

TOKEN = "test-token-" + "x" * 32

# The offscreen platform cannot do these window-manager things and says so (qWarning):
# not a bug of ours. Test modules that show top-level windows ignore just these.
OFFSCREEN_QUIRKS = pytest.mark.qt_log_ignore(
    "This plugin does not support propagateSizeHints", "This plugin does not support raise"
)


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    socket: QTcpSocket = field(repr=False)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def sse(
    event: str | None = None, data: Any = None, id: Any = None, retry: int | None = None
) -> bytes:
    lines = []
    if retry is not None:
        lines.append(f"retry: {retry}")
    if event:
        lines.append(f"event: {event}")
    if id is not None:
        lines.append(f"id: {id}")
    if data is not None:
        text = data if isinstance(data, str) else json.dumps(data)
        lines.extend(f"data: {line}" for line in text.split("\n"))
    return ("\n".join(lines) + "\n\n").encode()


STREAM_HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
    b"Cache-Control: no-cache\r\nConnection: close\r\n\r\n"
)


def http_response(status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> bytes:
    lines = [f"HTTP/1.1 {status} X"]
    all_headers = {"Content-Length": str(len(body)), "Connection": "close"}
    all_headers.update(headers or {})
    lines.extend(f"{name}: {value}" for name, value in all_headers.items())
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def json_error(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> bytes:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    return http_response(status, body, {"Content-Type": "application/json", **(headers or {})})


Responder = Callable[[Request], None]


class ScriptedServer(QObject):
    requestReceived = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.server = QTcpServer(self)
        self.server.newConnection.connect(self._accept)
        assert self.server.listen(QHostAddress(QHostAddress.SpecialAddress.LocalHost), 0)
        self.requests: list[Request] = []
        self.responders: list[Responder] = []
        self.default: Responder | None = None
        self._buffers: dict[QTcpSocket, bytes] = {}

    @property
    def port(self) -> int:
        return self.server.serverPort()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def respond(self, *responders: Responder) -> None:
        self.responders.extend(responders)

    def close(self) -> None:
        self.server.close()
        for socket in list(self._buffers):
            socket.abort()

    def _accept(self) -> None:
        while self.server.hasPendingConnections():
            socket = self.server.nextPendingConnection()
            self._buffers[socket] = b""
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(lambda s=socket: self._buffers.pop(s, None))

    def _read(self, socket: QTcpSocket) -> None:
        if socket not in self._buffers:
            socket.readAll()
            return
        data = self._buffers[socket] + socket.readAll().data()
        if b"\r\n\r\n" not in data:
            self._buffers[socket] = data
            return
        head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
        self._buffers.pop(socket, None)
        request_line, *header_lines = head.split("\r\n")
        method, path, _ = request_line.split(" ", 2)
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        request = Request(method, path, headers, socket)
        self.requests.append(request)
        responder = self.responders.pop(0) if self.responders else self.default
        if responder is None:
            socket.write(http_response(500))
            socket.disconnectFromHost()
        else:
            responder(request)
        self.requestReceived.emit(request)


# -- responders ---------------------------------------------------------------------------


def stream(*chunks: bytes, close: bool = True) -> Responder:
    def respond(request: Request) -> None:
        request.socket.write(STREAM_HEAD)
        for chunk in chunks:
            request.socket.write(chunk)
        if close:
            request.socket.disconnectFromHost()

    return respond


def reply(raw: bytes) -> Responder:
    def respond(request: Request) -> None:
        request.socket.write(raw)
        request.socket.disconnectFromHost()

    return respond


def photo(pid: int, status: str = "PENDING", **extra: Any) -> dict[str, Any]:
    return {
        "id": pid,
        "fileName": f"photo-{pid}.jpg",
        "status": status,
        "roomType": None,
        "errorCode": None,
        "errorMessage": None,
        "flags": [],
        "thumbnailUrl": None,
        **extra,
    }


def counts_of(photos: list[dict[str, Any]]) -> dict[str, int]:
    tally = {"PENDING": 0, "PROCESSING": 0, "DONE": 0, "ERROR": 0}
    for p in photos:
        tally[p["status"]] += 1
    return {
        "queued": tally["PENDING"],
        "processing": tally["PROCESSING"],
        "completed": tally["DONE"],
        "failed": tally["ERROR"],
        "total": len(photos),
    }


def payload(
    batch_id: int,
    photos: list[dict[str, Any]],
    status: str,
    progress: int,
    *,
    snapshot: bool = False,
    all_photos: list[dict[str, Any]] | None = None,
    summary: dict[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "batchId": batch_id,
        "status": status,
        "progress": progress,
        "counts": counts_of(all_photos if all_photos is not None else photos),
        "photos": photos,
    }
    if snapshot:
        body["snapshot"] = True
    if summary is not None or snapshot:
        body["inventorySummary"] = summary or {"totalItems": 0, "totalVolume": 0, "rooms": []}
    return body


# -- the real stack -----------------------------------------------------------------------


class LiveStack:
    """A real Core (workers) and a real ServerThread on 127.0.0.1, port 0 by default."""

    def __init__(self, data_dir: Path, workers: int = 2, analyzer: str | None = None) -> None:
        from desktopapp.core.services import Core
        from desktopapp.platform.settings import Settings

        self.data_dir = data_dir
        options: dict[str, Any] = {"analyzer": analyzer} if analyzer else {}
        self.core = Core(Settings(data_dir=data_dir, workers=workers, **options))
        self.core.start()
        from desktopapp.server import load_or_create_token

        self.token = load_or_create_token(self.core.paths.token)
        self.server = None
        self.port = 0
        self.stopped = False

    def start_server(self, port: int = 0) -> int:
        from desktopapp.server import SecurityConfig, ServerApi, ServerThread, create_app

        api = ServerApi.from_core(self.core)
        security = SecurityConfig(self.token)
        self.server = ServerThread(lambda: create_app(api, security), port=port, port_attempts=0)
        self.port = self.server.start()
        return self.port

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop_server(self) -> None:
        if self.server is not None:
            assert self.server.stop(timeout=5), "the server thread did not stop"
            self.server = None

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        self.stop_server()
        assert self.core.stop(timeout=30), "workers did not stop"

    def rest(self, path: str) -> Any:
        """A blocking GET with the token (plain urllib: the test's view of the truth)."""
        import urllib.request

        request = urllib.request.Request(
            self.base_url + path, headers={"Authorization": f"Bearer {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())


# -- holding a batch mid-way, without sleeping ----------------------------------------------

# Plausible furniture per room, so the inventory summary has items and volumes to show,
# and the viewer boxes to draw (fractions of the oriented photo; the bookcase has none, as
# an item from another source than the detector would).
FURNITURE = {
    "kitchen": [
        {
            "label": "dining_table",
            "quantity": 1,
            "confidence": 0.91,
            "box": [0.1, 0.45, 0.6, 0.95],
            "source": "detector",
        },
        {
            "label": "chair",
            "quantity": 4,
            "confidence": 0.78,
            "box": [0.62, 0.3, 0.95, 0.9],
            "source": "detector",
        },
    ],
    "living_room": [
        {
            "label": "sofa",
            "quantity": 1,
            "confidence": 0.97,
            "box": [0.05, 0.4, 0.7, 0.95],
            "source": "detector",
        },
        {"label": "bookcase", "quantity": 1, "confidence": 0.66, "source": "names"},
    ],
}


class Gate:
    """Wraps the core's analyzer: the first `free` photos pass, the others wait for `open()`.

    The workers block on a threading.Event (with a long safety timeout), so a test can
    look at a batch frozen mid-way for as long as it needs, then let it finish.
    """

    def __init__(self, core, free: int, furniture: bool = True) -> None:
        import threading

        self._analyzer = core.analyzer
        self._inner = type(core.analyzer).analyze.__get__(core.analyzer)
        self._free = free
        self._furniture = furniture
        self._lock = threading.Lock()
        self._seen = 0
        self._event = threading.Event()
        self.waiting = 0
        core.analyzer.analyze = self._analyze  # the pipeline holds this same object

    def _analyze(self, photo):
        from desktopapp.inventory.base import Analysis

        with self._lock:
            self._seen += 1
            hold = self._seen > self._free
            if hold:
                self.waiting += 1
        if hold:
            self._event.wait(timeout=120)
        result = self._inner(photo)
        items = FURNITURE.get(result.room_type or "", []) if self._furniture else []
        return Analysis(
            room_type=result.room_type,
            room_source=result.room_source,
            room_name=result.room_name,
            room_cue=result.room_cue,
            items=[dict(item) for item in items],
        )

    def open(self) -> None:
        self._event.set()

    def restore(self) -> None:
        self._event.set()
        self._analyzer.__dict__.pop("analyze", None)


def drag_and_drop(widget, urls: list[QUrl]) -> tuple[bool, bool]:
    """A real drag-enter, then (if accepted or not) a drop of `urls` on `widget`'s centre.

    Returns whether each event was accepted.
    """
    mime = QMimeData()
    mime.setUrls(urls)
    center = widget.rect().center()
    buttons, modifiers = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(center, Qt.DropAction.CopyAction, mime, buttons, modifiers)
    QApplication.sendEvent(widget, enter)
    drop = QDropEvent(QPointF(center), Qt.DropAction.CopyAction, mime, buttons, modifiers)
    QApplication.sendEvent(widget, drop)
    return enter.isAccepted(), drop.isAccepted()


def drop_paths(widget, paths: list[Path]) -> tuple[bool, bool]:
    return drag_and_drop(widget, [QUrl.fromLocalFile(str(path)) for path in paths])


# -- inventory payloads (the server's own aggregation, on a small catalogue) ----------------

# key: (en, fr, unit m³, fragile, dismountable, built in)
SMALL_CATALOGUE = {
    "sofa": ("Sofa", "Canapé", 1.416, False, False, False),
    "chair": ("Chair", "Chaise", 0.15, False, False, False),
    "table": ("Dining table", "Table à manger", 0.8, False, True, False),
    "bookcase": ("Bookcase", "Bibliothèque", 0.9, False, True, False),
    "lamp": ("Lamp", "Lampe", 0.05, True, False, False),
    "bed": ("Double bed with headboard", "Lit double avec tête de lit", 1.8, False, True, False),
    "sink": ("Sink", "Évier", 0.3, False, False, True),
    "tv": ("Television", "Télévision", 0.12, True, False, False),
    "rug": ("Rug", "Tapis", 0.1, False, False, False),
}


def small_catalogue():
    from desktopapp.inventory.catalogue import Catalogue, CatalogueItem

    return Catalogue(
        items={
            key: CatalogueItem(key, en, fr, volume, "test", fragile, dismountable, built_in)
            for key, (en, fr, volume, fragile, dismountable, built_in) in SMALL_CATALOGUE.items()
        }
    )


def server_summary(photos: list[dict[str, Any]], analyzer: str = "test-detector") -> dict:
    """The `inventorySummary` the server makes of these photo payloads (its real aggregation)."""
    from types import SimpleNamespace

    from desktopapp.inventory.aggregate import inventory_summary

    rows = [
        SimpleNamespace(
            id=p["id"],
            status=p["status"],
            room_type=p.get("roomType"),
            room_name=p.get("roomName"),
            duplicate_of=p.get("duplicateOf"),
            items=p.get("items") or [],
        )
        for p in photos
    ]
    return inventory_summary(rows, analyzer, small_catalogue())


def item(label: str, quantity: int = 1, confidence: float = 0.9, box: Any = None) -> dict:
    entry: dict[str, Any] = {"label": label, "quantity": quantity, "confidence": confidence}
    if box is not None:
        entry["box"] = list(box)
        entry["source"] = "detector"
    return entry


def jpeg_bytes(width: int, height: int, color: str = "#808080") -> bytes:
    """A plain JPEG of this size (what the server's preview or thumbnail routes send)."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QColor, QImage

    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor(color))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    assert image.save(buffer, "JPEG", 90)
    buffer.close()
    return bytes(data.data())


def open_window(
    qtbot: Any,
    stack: LiveStack,
    data_dir: Path,
    lang: str = "fr",
    services: Any = None,
    size: tuple[int, int] | None = (1240, 860),
) -> Any:
    """The real window on `stack`'s server, shown and exposed (its tray icon off)."""
    from desktopapp.ui.api_client import ApiClient
    from desktopapp.ui.main_window import MainWindow
    from desktopapp.ui.services import DesktopServices

    window = MainWindow(
        ApiClient(stack.base_url, stack.token),
        data_dir,
        lang=lang,
        services=services or DesktopServices(),
        use_tray=False,
    )
    qtbot.addWidget(window)
    if size is not None:
        window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    return window
