"""How a photo row looks, and the one timer that turns the spinners of processing rows.

    ┌──────┐ kitchen-1.jpg                                  ◌ Processing…
    │thumb │ Kitchen · Table ×1 · Chair ×4 · Blurry
    └──────┘

`SpinnerAnimator` repaints only the status icons of rows that are PROCESSING and on
screen, about 20 times a second, and stops when there are none.
"""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, QModelIndex, QObject, QRect, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPainterPath, QPalette, QPixmap
from PySide6.QtWidgets import QListView, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from desktopapp.ui import theme
from desktopapp.ui.icons import paint_status_icon
from desktopapp.ui.photo_model import PhotoListModel, Role

THUMB = 44
PAD_X = 12
PAD_Y = 8
ICON = 18
STATUS_WIDTH = 128


class SpinnerClock:
    """One angle for every spinner, from elapsed time (smooth whatever the frame rate)."""

    def __init__(self) -> None:
        self._elapsed = QElapsedTimer()
        self._elapsed.start()

    def angle(self) -> float:
        return (self._elapsed.elapsed() * 0.4) % 360.0


class _Fonts:
    """The fonts and metrics of one base font (QFont/QFontMetrics made once, not per row)."""

    def __init__(self, base: QFont) -> None:
        self.base = QFont(base)
        self.name = QFont(base)
        self.name.setWeight(QFont.Weight.DemiBold)
        self.metrics = QFontMetrics(self.base)
        self.name_metrics = QFontMetrics(self.name)


class PhotoDelegate(QStyledItemDelegate):
    """Paints a row with as few Qt calls as it can: on the GUI thread every call into Qt
    gives the GIL away and takes it back, a wait each time the workers hold it. So the
    fonts are made once per base font, and the status icons and the empty thumbnail tile
    are drawn once per look into small pixmaps (the spinner alone is drawn live)."""

    def __init__(self, clock: SpinnerClock, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._clock = clock
        self._fonts: dict[str, _Fonts] = {}
        self._tiles: dict[tuple, QPixmap] = {}  # (kind, status, palette, dpr) → pixmap

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        metrics = self._fonts_for(option.font).metrics
        height = max(THUMB, metrics.height() * 2 + 4) + 2 * PAD_Y
        return QSize(320, height)

    def status_rect(self, rect: QRect) -> QRect:
        """Where the status icon sits in a row's rectangle (the spinner repaints only this)."""
        return QRect(rect.right() - STATUS_WIDTH - PAD_X, rect.top(), ICON + 4, rect.height())

    def _fonts_for(self, font: QFont) -> _Fonts:
        key = font.key()
        fonts = self._fonts.get(key)
        if fonts is None:
            fonts = self._fonts[key] = _Fonts(font)
        return fonts

    def _tile(self, kind: str, status: str | None, palette: QPalette, dpr: float) -> QPixmap:
        """A status icon (kind "icon") or the empty thumbnail tile ("placeholder")."""
        key = (kind, status, palette.cacheKey(), dpr)
        pixmap = self._tiles.get(key)
        if pixmap is None:
            side = ICON if kind == "icon" else THUMB
            pixmap = QPixmap(round(side * dpr), round(side * dpr))
            pixmap.setDevicePixelRatio(dpr)
            pixmap.fill(Qt.GlobalColor.transparent)
            tile = QPainter(pixmap)
            tile.setRenderHint(QPainter.RenderHint.Antialiasing)
            box = QRectF(0, 0, side, side)
            if kind == "icon":
                paint_status_icon(tile, box, status, 0.0, palette)
            else:
                clip = QPainterPath()
                clip.addRoundedRect(box, 7, 7)
                tile.fillPath(clip, theme.subtle_fill(palette, 0.07))
                _paint_photo_glyph(tile, box, theme.subtle_fill(palette, 0.3))
            tile.end()
            if len(self._tiles) > 64:  # palettes come and go (theme switches)
                self._tiles.clear()
            self._tiles[key] = pixmap
        return pixmap

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        # The (Python) model is asked directly: `index.data()` would convert through
        # QVariant, which PySide6 6.12 gets wrong for empty values.
        model = index.model()
        photo = model.data(index, Role.Photo) or {}
        status = photo.get("status")
        widget = option.widget
        style = widget.style() if widget is not None else None
        if style is not None:  # selection and hover background only: `option` has no text
            panel = QStyle.PrimitiveElement.PE_PanelItemViewItem
            style.drawPrimitive(panel, option, painter, widget)
        painter.save()
        if photo.get("excluded"):
            painter.setOpacity(0.45)  # left out of the inventory: dimmed, its line says why
        palette: QPalette = option.palette
        dpr = painter.device().devicePixelRatioF()
        fonts = self._fonts_for(option.font)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        text_role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        text_color = palette.color(text_role)
        muted = QColor(text_color)
        muted.setAlphaF(0.62)
        rect = option.rect
        top, height = rect.top(), rect.height()

        # thumbnail (pre-rounded by the loader) or the empty tile
        thumb = QRect(rect.left() + PAD_X, top + (height - THUMB) // 2, THUMB, THUMB)
        pixmap = model.data(index, Qt.ItemDataRole.DecorationRole)
        if isinstance(pixmap, QPixmap) and not pixmap.isNull():
            painter.drawPixmap(thumb, pixmap)
        else:
            painter.drawPixmap(thumb.topLeft(), self._tile("placeholder", None, palette, dpr))

        # status (right): icon + label
        status_left = rect.right() - STATUS_WIDTH - PAD_X
        icon_top = top + (height - ICON) // 2
        if status == "PROCESSING":
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            icon = QRectF(status_left, icon_top, ICON, ICON)
            paint_status_icon(painter, icon, status, self._clock.angle(), palette)
        else:
            painter.drawPixmap(status_left, icon_top, self._tile("icon", status, palette, dpr))
        hue = theme.PHOTO_HUE.get(status or "", "gray")
        label_color = (
            text_color if selected else (theme.accent(hue, palette) if hue != "gray" else muted)
        )
        label_rect = QRect(status_left + ICON + 8, top, STATUS_WIDTH - ICON - 8, height)
        painter.setPen(label_color)
        painter.setFont(fonts.base)
        painter.drawText(
            label_rect,
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            fonts.metrics.elidedText(
                model.data(index, Role.StatusText) or "",
                Qt.TextElideMode.ElideRight,
                label_rect.width(),
            ),
        )

        # name and detail
        left = thumb.right() + 13
        text_width = status_left - 12 - left
        name_height, detail_height = fonts.name_metrics.height(), fonts.metrics.height()
        detail = model.data(index, Role.Detail) or ""
        if detail:
            text_top = top + (height - (name_height + 2 + detail_height)) // 2
        else:
            text_top = top + (height - name_height) // 2
        painter.setFont(fonts.name)
        painter.setPen(text_color)
        painter.drawText(
            QRect(left, text_top, text_width, name_height),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            fonts.name_metrics.elidedText(
                model.data(index) or "", Qt.TextElideMode.ElideMiddle, text_width
            ),
        )
        if detail:
            error = status == "ERROR" and not selected
            painter.setFont(fonts.base)
            painter.setPen(theme.accent("red", palette) if error else muted)
            painter.drawText(
                QRect(left, text_top + name_height + 2, text_width, detail_height),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                fonts.metrics.elidedText(detail, Qt.TextElideMode.ElideRight, text_width),
            )
        painter.restore()


def _paint_photo_glyph(painter: QPainter, box: QRectF, color: QColor) -> None:
    """A small landscape glyph in the placeholder tile."""
    painter.save()
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(color)
    s = box.width()
    path = QPainterPath()
    path.moveTo(box.left() + s * 0.2, box.top() + s * 0.72)
    path.lineTo(box.left() + s * 0.42, box.top() + s * 0.46)
    path.lineTo(box.left() + s * 0.58, box.top() + s * 0.62)
    path.lineTo(box.left() + s * 0.68, box.top() + s * 0.52)
    path.lineTo(box.left() + s * 0.8, box.top() + s * 0.72)
    path.closeSubpath()
    painter.drawPath(path)
    painter.drawEllipse(QRectF(box.left() + s * 0.6, box.top() + s * 0.24, s * 0.12, s * 0.12))
    painter.restore()


class SpinnerAnimator(QObject):
    """Repaints the status icons of visible PROCESSING rows; idle when there are none."""

    def __init__(
        self, view: QListView, model: PhotoListModel, delegate: PhotoDelegate, interval_ms: int = 50
    ) -> None:
        super().__init__(view)
        self._view = view
        self._model = model
        self._delegate = delegate
        self._timer = QTimer(self, interval=interval_ms)
        self._timer.timeout.connect(self.tick)
        self.repaints = 0  # rectangles repainted (tests check only processing rows are)

    def refresh(self) -> None:
        """Start or stop the timer after the set of processing rows changed."""
        should_run = bool(self._model.processing) and self._view.isVisible()
        if should_run and not self._timer.isActive():
            self._timer.start()
        elif not should_run and self._timer.isActive():
            self._timer.stop()

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def stop(self) -> None:
        self._timer.stop()

    def tick(self) -> None:
        if not self._model.processing or not self._view.isVisible():
            self._timer.stop()
            return
        viewport = self._view.viewport()
        visible = viewport.rect()
        for photo_id in list(self._model.processing):
            row = self._model.row_of(photo_id)
            if row is None:
                continue
            rect = self._view.visualRect(self._model.index(row))
            if rect.isValid() and rect.intersects(visible):
                viewport.update(self._delegate.status_rect(rect))
                self.repaints += 1
