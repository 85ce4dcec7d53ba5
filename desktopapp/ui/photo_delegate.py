"""How a photo row looks, and the one timer that turns the spinners of processing rows.

    ┌──────┐ kitchen-1.jpg                                  ◌ Processing…
    │thumb │ Kitchen · 3 items · Blurry
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


class PhotoDelegate(QStyledItemDelegate):
    def __init__(self, clock: SpinnerClock, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._clock = clock

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        metrics = QFontMetrics(option.font)
        height = max(THUMB, metrics.height() * 2 + 4) + 2 * PAD_Y
        return QSize(320, height)

    def status_rect(self, rect: QRect) -> QRect:
        """Where the status icon sits in a row's rectangle (the spinner repaints only this)."""
        return QRect(rect.right() - STATUS_WIDTH - PAD_X, rect.top(), ICON + 4, rect.height())

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        # The (Python) model is asked directly: `index.data()` would convert through
        # QVariant, which PySide6 6.12 gets wrong for empty values.
        model = index.model()
        painter.save()
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        opt.icon = type(opt.icon)()
        widget = option.widget
        style = widget.style() if widget is not None else None
        if style is not None:
            style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter, widget)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette: QPalette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        text_role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        text_color = palette.color(text_role)
        muted = QColor(text_color)
        muted.setAlphaF(0.62)
        rect = option.rect
        status = model.data(index, Role.Status)

        # thumbnail (or a placeholder tile)
        thumb = QRectF(rect.left() + PAD_X, rect.top() + (rect.height() - THUMB) / 2, THUMB, THUMB)
        clip = QPainterPath()
        clip.addRoundedRect(thumb, 7, 7)
        pixmap = model.data(index, Qt.ItemDataRole.DecorationRole)
        if isinstance(pixmap, QPixmap) and not pixmap.isNull():
            painter.save()
            painter.setClipPath(clip)
            painter.drawPixmap(thumb.toRect(), pixmap)
            painter.restore()
        else:
            painter.fillPath(clip, theme.subtle_fill(palette, 0.07))
            _paint_photo_glyph(painter, thumb, theme.subtle_fill(palette, 0.3))

        # status (right): icon + label
        status_area = QRect(
            rect.right() - STATUS_WIDTH - PAD_X, rect.top(), STATUS_WIDTH, rect.height()
        )
        icon_rect = QRectF(status_area.left(), rect.top() + (rect.height() - ICON) / 2, ICON, ICON)
        angle = self._clock.angle() if status == "PROCESSING" else 0.0
        paint_status_icon(painter, icon_rect, status, angle, palette)
        hue = theme.PHOTO_HUE.get(status or "", "gray")
        label_color = (
            text_color if selected else (theme.accent(hue, palette) if hue != "gray" else muted)
        )
        painter.setPen(label_color)
        label_rect = status_area.adjusted(ICON + 8, 0, 0, 0)
        painter.setFont(option.font)
        painter.drawText(
            label_rect,
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            QFontMetrics(option.font).elidedText(
                model.data(index, Role.StatusText) or "",
                Qt.TextElideMode.ElideRight,
                label_rect.width(),
            ),
        )

        # name and detail
        left = int(thumb.right()) + 12
        text_width = status_area.left() - 12 - left
        name_font = QFont(option.font)
        name_font.setWeight(QFont.Weight.DemiBold)
        name_metrics = QFontMetrics(name_font)
        detail_metrics = QFontMetrics(option.font)
        block = name_metrics.height() + 2 + detail_metrics.height()
        top = rect.top() + (rect.height() - block) // 2
        detail = model.data(index, Role.Detail) or ""
        if not detail:
            top = rect.top() + (rect.height() - name_metrics.height()) // 2
        painter.setFont(name_font)
        painter.setPen(text_color)
        name = name_metrics.elidedText(
            model.data(index) or "", Qt.TextElideMode.ElideMiddle, text_width
        )
        painter.drawText(
            QRect(left, top, text_width, name_metrics.height()),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            name,
        )
        if detail:
            error = status == "ERROR" and not selected
            painter.setFont(option.font)
            painter.setPen(theme.accent("red", palette) if error else muted)
            detail_top = top + name_metrics.height() + 2
            painter.drawText(
                QRect(left, detail_top, text_width, detail_metrics.height()),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                detail_metrics.elidedText(detail, Qt.TextElideMode.ElideRight, text_width),
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
