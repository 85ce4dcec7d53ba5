"""Small painted widgets: card, status badge, animated progress bar, counter tile.

All colours come from the palette, except the seed's status colours (`theme`).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEasingCurve, QPropertyAnimation, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPalette,
    QPixmap,
)
from PySide6.QtWidgets import (
    QAbstractButton,
    QFrame,
    QLabel,
    QProgressBar,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktopapp.ui import theme
from desktopapp.ui.i18n import Translator


class BackgroundCache:
    """A widget's antialiased rounded background, drawn once per size and palette.

    Filling a large antialiased rounded rectangle costs the GUI thread about 0.1 ms per
    paint, and the cards and tiles repaint whenever a label on them changes; copying the
    dirty part of a kept pixmap costs a few microseconds."""

    def __init__(self, draw: Callable[[QPainter, QRectF, QPalette], None]) -> None:
        self._draw = draw
        self._key: tuple | None = None
        self._pixmap = QPixmap()

    def paint(self, widget: QWidget, event: QPaintEvent) -> None:
        dpr = widget.devicePixelRatioF()
        key = (widget.width(), widget.height(), widget.palette().cacheKey(), dpr)
        if key != self._key:
            self._pixmap = QPixmap(round(widget.width() * dpr), round(widget.height() * dpr))
            self._pixmap.setDevicePixelRatio(dpr)
            self._pixmap.fill(Qt.GlobalColor.transparent)
            painter = QPainter(self._pixmap)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            self._draw(painter, QRectF(widget.rect()), widget.palette())
            painter.end()
            self._key = key
        area = event.rect()
        source = QRectF(area.x() * dpr, area.y() * dpr, area.width() * dpr, area.height() * dpr)
        QPainter(widget).drawPixmap(QRectF(area), self._pixmap, source)


class Card(QFrame):
    """A rounded panel on the window background (Base colour, hairline border)."""

    def __init__(self, parent: QWidget | None = None, radius: float = 12) -> None:
        super().__init__(parent)
        self._radius = radius
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, False)
        self._background = BackgroundCache(self._draw)

    def _draw(self, painter: QPainter, rect: QRectF, palette: QPalette) -> None:
        painter.setPen(theme.border(palette))
        painter.setBrush(palette.color(QPalette.ColorRole.Base))
        inner = rect.adjusted(0.5, 0.5, -0.5, -0.5)
        painter.drawRoundedRect(inner, self._radius, self._radius)

    def paintEvent(self, event: QPaintEvent) -> None:
        self._background.paint(self, event)


class StatusBadge(QWidget):
    """The seed's pill: EN COURS on light blue, TERMINÉ on light green…"""

    def __init__(self, translator: Translator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tr = translator
        self._status: str | None = None
        font = QFont(self.font())
        font.setWeight(QFont.Weight.Bold)
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.82))
        font.setLetterSpacing(QFont.SpacingType.PercentageSpacing, 104)
        self.setFont(font)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    @property
    def status(self) -> str | None:
        return self._status

    def text(self) -> str:
        return self._tr.status(self._status)

    def set_status(self, status: str | None) -> None:
        if status != self._status:
            self._status = status
            self.setAccessibleName(self.text())
            self.updateGeometry()
            self.update()

    def sizeHint(self) -> QSize:
        metrics = QFontMetrics(self.font())
        return QSize(metrics.horizontalAdvance(self.text()) + 20, metrics.height() + 8)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def paintEvent(self, event) -> None:
        colors = theme.status_colors(self._status, self.palette())
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect())
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colors.background)
        painter.drawRoundedRect(rect, rect.height() / 2, rect.height() / 2)
        painter.setPen(colors.text)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.text())


class StatusProgressBar(QProgressBar):
    """A QProgressBar painted as a rounded bar in the status colour; its value glides."""

    STEPS = 1000  # the range: sub-percent steps make the glide smooth

    def __init__(self, parent: QWidget | None = None, duration_ms: int = 450) -> None:
        super().__init__(parent)
        self.setRange(0, self.STEPS)
        self.setTextVisible(False)
        self.setFixedHeight(10)
        self._status: str | None = None
        self._target = 0
        self._animation = QPropertyAnimation(self, b"value", self)
        self._animation.setDuration(duration_ms)
        self._animation.setEasingCurve(QEasingCurve.Type.OutCubic)

    @property
    def target_percent(self) -> int:
        return self._target

    @property
    def animating(self) -> bool:
        return self._animation.state() == QPropertyAnimation.State.Running

    def set_status(self, status: str | None) -> None:
        if status != self._status:
            self._status = status
            self.update()

    def set_percent(self, percent: int, animate: bool = True) -> None:
        percent = max(0, min(100, int(percent)))
        self.setAccessibleDescription(f"{percent}%")
        if percent == self._target and (
            self.animating or self.value() == percent * self.STEPS // 100
        ):
            return
        self._target = percent
        end = percent * self.STEPS // 100
        if not animate or not self.isVisible():
            self._animation.stop()
            self.setValue(end)
            return
        if self.animating:
            # Events may come faster than frames: retarget the running glide instead of
            # restarting it (a restart every few ms would never leave the start value).
            self._animation.setEndValue(end)
            return
        self._animation.setStartValue(max(0, self.value()))
        self._animation.setEndValue(end)
        self._animation.start()

    def stop_animation(self) -> None:
        if self.animating:
            self._animation.stop()
            self.setValue(self._target * self.STEPS // 100)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect())
        radius = rect.height() / 2
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(theme.subtle_fill(self.palette(), 0.09))
        painter.drawRoundedRect(rect, radius, radius)
        fraction = (self.value() - self.minimum()) / max(1, self.maximum() - self.minimum())
        if fraction <= 0:
            return
        fill = QRectF(
            rect.left(), rect.top(), max(rect.height(), rect.width() * fraction), rect.height()
        )
        clip = QPainterPath()
        clip.addRoundedRect(rect, radius, radius)
        painter.setClipPath(clip)
        painter.setBrush(theme.status_colors(self._status, self.palette()).bar)
        painter.drawRoundedRect(fill, radius, radius)


class CounterTile(QWidget):
    """A big figure over its label, tinted like the seed's counters."""

    def __init__(self, label: str, hue: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._hue = hue
        self._value = 0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(0)
        self.figure = QLabel("0", self)
        self.figure.setFont(theme.scaled_font(self, 1.75, QFont.Weight.Bold))
        self.caption = QLabel(label, self)
        self.caption.setFont(theme.scaled_font(self, 0.92))
        layout.addWidget(self.figure)
        layout.addWidget(self.caption)
        self._background = BackgroundCache(self._draw)
        self._restyle()

    def value(self) -> int:
        return self._value

    def set_value(self, value: int, text: str | None = None) -> None:
        self._value = value
        self.figure.setText(text if text is not None else str(value))
        self.setAccessibleName(f"{self.caption.text()}: {value}")

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange:
            self._restyle()

    def _restyle(self) -> None:
        figure = self.figure.palette()
        color = theme.accent(self._hue, self.palette())
        if self._hue == "gray":
            color = self.palette().color(QPalette.ColorRole.WindowText)
        figure.setColor(QPalette.ColorRole.WindowText, color)
        self.figure.setPalette(figure)
        caption = self.caption.palette()
        caption.setColor(QPalette.ColorRole.WindowText, theme.secondary_text(self.palette()))
        self.caption.setPalette(caption)

    def _draw(self, painter: QPainter, rect: QRectF, palette: QPalette) -> None:
        painter.setPen(Qt.PenStyle.NoPen)
        tint = QColor(theme.accent(self._hue, palette))
        tint.setAlphaF(0.08 if self._hue != "gray" else 0.05)
        painter.setBrush(tint)
        painter.drawRoundedRect(rect, 10, 10)

    def paintEvent(self, event: QPaintEvent) -> None:
        self._background.paint(self, event)


def roomy(button: QAbstractButton, extra_width: int = 16, height: int = 30) -> None:
    """A little more air around a push button's text than the compact default styles give."""
    hint = button.sizeHint()
    button.setMinimumSize(hint.width() + extra_width, max(height, hint.height()))


def muted_label(text: str = "", parent: QWidget | None = None, factor: float = 1.0) -> QLabel:
    label = QLabel(text, parent)
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.WindowText, theme.secondary_text(palette))
    label.setPalette(palette)
    if factor != 1.0:
        label.setFont(theme.scaled_font(label, factor))
    return label


__all__ = ["Card", "CounterTile", "StatusBadge", "StatusProgressBar", "muted_label", "roomy"]
