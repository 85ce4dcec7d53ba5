"""Thumbnails for the photo rows: fetched lazily through the API, cached, DPI-aware.

The delegate asks `ThumbnailLoader.get(photo_id)` while painting a visible row; the
first ask queues a request (newest first: the rows on screen now), later asks hit
the cache. When a picture arrives, `thumbnailReady(photo_id)` tells the model to
repaint that one row. A few requests at a time, an LRU-bounded cache, and square
crops scaled for the screen's device pixel ratio.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from PySide6.QtCore import QElapsedTimer, QObject, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QGuiApplication, QImage, QPainter, QPainterPath, QPixmap

from desktopapp.ui.api_client import ApiClient, ApiResult

MAX_IN_FLIGHT = 4
CACHE_ENTRIES = 800
RETRY_AFTER_MS = 5000  # a thumbnail that failed for want of a server is asked again later


def square_pixmap(data: bytes, side_px: int, dpr: float, radius: float = 7) -> QPixmap | None:
    """The centre square of a JPEG, scaled to `side_px` device pixels, corners rounded by
    `radius` logical pixels (rounded once here, so rows just draw the pixmap)."""
    image = QImage.fromData(data)
    if image.isNull():
        return None
    edge = min(image.width(), image.height())
    crop = QRect((image.width() - edge) // 2, (image.height() - edge) // 2, edge, edge)
    scaled = image.copy(crop).scaled(
        side_px,
        side_px,
        Qt.AspectRatioMode.IgnoreAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )
    rounded = QImage(side_px, side_px, QImage.Format.Format_ARGB32_Premultiplied)
    rounded.fill(Qt.GlobalColor.transparent)
    painter = QPainter(rounded)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    clip = QPainterPath()
    clip.addRoundedRect(QRectF(0, 0, side_px, side_px), radius * dpr, radius * dpr)
    painter.setClipPath(clip)
    painter.drawImage(0, 0, scaled)
    painter.end()
    pixmap = QPixmap.fromImage(rounded)
    pixmap.setDevicePixelRatio(dpr)
    return pixmap


def screen_dpr() -> float:
    screen = QGuiApplication.primaryScreen()
    return screen.devicePixelRatio() if screen is not None else 1.0


class ThumbnailLoader(QObject):
    thumbnailReady = Signal(int)

    def __init__(
        self,
        api: ApiClient,
        logical_size: int = 44,
        dpr: Callable[[], float] = screen_dpr,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._api = api
        self._size = logical_size
        self._dpr = dpr
        self._cache: OrderedDict[int, QPixmap] = OrderedDict()
        self._queue: list[int] = []  # a stack: the last asked is the first fetched
        self._in_flight: set[int] = set()
        self._missing: set[int] = set()  # the server has none (404): until `forget`
        self._failed: dict[int, int] = {}  # no answer at all: photo id → when (ms)
        self._clock = QElapsedTimer()
        self._clock.start()
        self._closed = False

    def get(self, photo_id: int) -> QPixmap | None:
        pixmap = self._cache.get(photo_id)
        if pixmap is not None:
            self._cache.move_to_end(photo_id)
            return pixmap
        failed_at = self._failed.get(photo_id)
        if failed_at is not None and self._clock.elapsed() - failed_at < RETRY_AFTER_MS:
            return None
        if photo_id not in self._missing and photo_id not in self._in_flight:
            if photo_id in self._queue:
                self._queue.remove(photo_id)
            self._queue.append(photo_id)
            self._pump()
        return None

    def forget(self, photo_id: int) -> None:
        """The photo changed (processed again): fetch its thumbnail anew next time."""
        self._cache.pop(photo_id, None)
        self._missing.discard(photo_id)
        self._failed.pop(photo_id, None)

    def close(self) -> None:
        self._closed = True
        self._queue.clear()

    @property
    def pending(self) -> int:
        return len(self._queue) + len(self._in_flight)

    def _pump(self) -> None:
        while not self._closed and self._queue and len(self._in_flight) < MAX_IN_FLIGHT:
            photo_id = self._queue.pop()
            self._in_flight.add(photo_id)
            self._api.thumbnail(photo_id, lambda result, pid=photo_id: self._done(pid, result))
        if len(self._queue) > CACHE_ENTRIES:  # scrolled far: old asks are off screen now
            del self._queue[: len(self._queue) - CACHE_ENTRIES]

    def _done(self, photo_id: int, result: ApiResult) -> None:
        self._in_flight.discard(photo_id)
        if self._closed:
            return
        dpr = self._dpr()
        pixmap = square_pixmap(result.body, round(self._size * dpr), dpr) if result.ok else None
        if result.status is None:
            self._failed[photo_id] = self._clock.elapsed()
        elif pixmap is None:
            self._missing.add(photo_id)
        else:
            self._cache[photo_id] = pixmap
            while len(self._cache) > CACHE_ENTRIES:
                self._cache.popitem(last=False)
            self.thumbnailReady.emit(photo_id)
        self._pump()
