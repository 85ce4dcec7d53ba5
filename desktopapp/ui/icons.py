"""Vector icons: crisp at any scale, tinted with the palette (light or dark).

- `line_icon("folder")`: a stroke icon as a QIcon, drawn from SVG at the exact pixel
  size Qt asks for (device pixel ratio included), in the palette's text colour.
- `app_icon()`: `resources/icons/photolot.svg`.
- `paint_status_icon(painter, rect, status, angle)`: the photo row's status, painted
  straight into the view (done ✓, spinning arc, error ✗, pending clock).
"""

from __future__ import annotations

import functools

from PySide6.QtCore import QByteArray, QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QIcon,
    QIconEngine,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPixmap,
)
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

from desktopapp.platform.paths import resources_dir
from desktopapp.ui import theme

_PATHS = {
    "photos": '<rect x="3" y="4" width="18" height="16" rx="2.5"/><circle cx="9" cy="10" r="1.8"/>'
    '<path d="M21 15.5l-4.5-4.5L7 20"/>',
    "folder": '<path d="M3 7.5A2.5 2.5 0 0 1 5.5 5H9l2 2.5h7.5A2.5 2.5 0 0 1 21 10v7.5a2.5 2.5 0 '
    '0 1-2.5 2.5h-13A2.5 2.5 0 0 1 3 17.5z"/>',
    "retry": '<path d="M19.5 12a7.5 7.5 0 1 1-2.2-5.3"/><path d="M20 4v5h-5"/>',
    "browser": '<path d="M14 4h6v6"/><path d="M20 4l-8.5 8.5"/><path d="M18 14v4.5a1.5 1.5 0 0 '
    '1-1.5 1.5h-11A1.5 1.5 0 0 1 4 18.5v-11A1.5 1.5 0 0 1 5.5 6H10"/>',
    "export": '<path d="M12 4v11"/><path d="M7.5 10.5L12 15l4.5-4.5"/><path d="M5 20h14"/>',
    "close": '<path d="M7 7l10 10M17 7L7 17"/>',
    "drop": '<path d="M12 15V4.5"/><path d="M7.5 9L12 4.5 16.5 9"/><path d="M4 14.5v4A1.5 1.5 0 '
    '0 0 5.5 20h13a1.5 1.5 0 0 0 1.5-1.5v-4"/>',
    "check": '<circle cx="12" cy="12" r="9"/><path d="M8 12.5l2.7 2.7L16 10"/>',
    "warning": '<path d="M12 4l9 15.5H3z"/><path d="M12 10v4"/><path d="M12 17h.01"/>',
    "live": '<circle cx="12" cy="12" r="3"/><path d="M7.8 7.8a6 6 0 0 0 0 8.4M16.2 7.8a6 6 0 0 '
    '1 0 8.4"/>',
    "undo": '<path d="M9 14L4 9l5-5"/><path d="M4 9h10.5a5.5 5.5 0 0 1 0 11H11"/>',
    "redo": '<path d="M15 14l5-5-5-5"/><path d="M20 9H9.5a5.5 5.5 0 0 0 0 11H13"/>',
    "edit": '<path d="M4 20h4L19 9l-4-4L4 16z"/><path d="M13.5 6.5l4 4"/>',
    "copy": '<rect x="8.5" y="8.5" width="11.5" height="11.5" rx="2"/>'
    '<path d="M15.5 8.5V6A2 2 0 0 0 13.5 4H6A2 2 0 0 0 4 6v7.5a2 2 0 0 0 2 2h2.5"/>',
    "plus": '<path d="M12 5v14M5 12h14"/>',
    "more": '<circle cx="5" cy="12" r="1"/><circle cx="12" cy="12" r="1"/>'
    '<circle cx="19" cy="12" r="1"/>',
    "pause": '<rect x="6.5" y="5" width="3.5" height="14" rx="1"/>'
    '<rect x="14" y="5" width="3.5" height="14" rx="1"/>',
    "play": '<path d="M8 5.5v13l10.5-6.5z"/>',
    "stop": '<circle cx="12" cy="12" r="9"/><path d="M9 9h6v6H9z"/>',
    "front": '<path d="M5 4.5h14"/><path d="M12 20V9"/><path d="M7.5 13.5L12 9l4.5 4.5"/>',
    "queue": '<path d="M4 6h16M4 12h16M4 18h10"/><path d="M17.5 16v4l3-2z"/>',
    "clean": '<path d="M5 7h14"/><path d="M9.5 7V4.5h5V7"/><path d="M6.5 7l1 12.5h9l1-12.5"/>'
    '<path d="M10.5 11v5M13.5 11v5"/>',
}


def _svg(name: str, color: QColor, stroke: float = 1.8) -> bytes:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" '
        f'stroke="{color.name()}" stroke-opacity="{color.alphaF():.3f}" stroke-width="{stroke}" '
        f'stroke-linecap="round" stroke-linejoin="round">{_PATHS[name]}</svg>'
    ).encode()


class _SvgIconEngine(QIconEngine):
    """Renders an SVG at the requested size; a dimmer colour when disabled. Pixmaps are
    kept per size and mode: buttons repaint with every header update, and rendering the
    SVG again each time cost the GUI thread milliseconds while a batch streamed in."""

    def __init__(self, name: str, normal: QColor, disabled: QColor) -> None:
        super().__init__()
        self._name = name
        self._normal, self._disabled = QColor(normal), QColor(disabled)
        self._renderers = {
            False: QSvgRenderer(QByteArray(_svg(name, normal))),
            True: QSvgRenderer(QByteArray(_svg(name, disabled))),
        }
        self._pixmaps: dict[tuple[int, int, bool], QPixmap] = {}

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        side = min(rect.width(), rect.height())
        square = QRectF(
            rect.x() + (rect.width() - side) / 2, rect.y() + (rect.height() - side) / 2, side, side
        )
        self._renderers[mode == QIcon.Mode.Disabled].render(painter, square)

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        key = (size.width(), size.height(), mode == QIcon.Mode.Disabled)
        cached = self._pixmaps.get(key)
        if cached is not None:
            return QPixmap(cached)  # implicitly shared: no copy of the pixels
        pixmap = QPixmap(size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.paint(painter, QRect(0, 0, size.width(), size.height()), mode, state)
        painter.end()
        if len(self._pixmaps) < 16:
            self._pixmaps[key] = pixmap
        return QPixmap(pixmap)

    def scaledPixmap(
        self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float
    ) -> QPixmap:
        pixmap = self.pixmap(
            QSize(round(size.width() * scale), round(size.height() * scale)), mode, state
        )
        pixmap.setDevicePixelRatio(scale)
        return pixmap

    def clone(self) -> QIconEngine:
        return _SvgIconEngine(self._name, self._normal, self._disabled)

    def key(self) -> str:
        return "photolot-svg"


def line_icon(name: str, color: QColor | None = None, palette: QPalette | None = None) -> QIcon:
    palette = palette or QApplication.palette()
    normal = QColor(color) if color is not None else palette.color(QPalette.ColorRole.ButtonText)
    disabled = QColor(palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText))
    if color is not None:
        disabled = QColor(color)
        disabled.setAlphaF(0.4)
    return QIcon(_SvgIconEngine(name, normal, disabled))


@functools.cache
def app_icon_path() -> str:
    return str(resources_dir() / "icons" / "photolot.svg")


def app_icon() -> QIcon:
    """Pixel-exact PNGs for the small sizes, the SVG for anything else."""
    folder = resources_dir() / "icons"
    icon = QIcon()
    for png in sorted(folder.glob("photolot-*.png")):
        icon.addFile(str(png))
    icon.addFile(app_icon_path())
    return icon


# -- the photo rows' status icons, painted directly (vector, any DPI) --------------------------


def paint_status_icon(
    painter: QPainter,
    rect: QRectF,
    status: str | None,
    angle: float = 0.0,
    palette: QPalette | None = None,
) -> None:
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    side = min(rect.width(), rect.height())
    box = QRectF(0, 0, side, side)
    box.moveCenter(rect.center())
    width = max(1.5, side / 9)
    hue = theme.PHOTO_HUE.get(status or "", "gray")
    color = theme.accent(hue, palette)
    if status == "DONE" or status == "ERROR":
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawEllipse(box.adjusted(1, 1, -1, -1))
        pen = QPen(
            QColor("white"),
            width * 1.1,
            Qt.PenStyle.SolidLine,
            Qt.PenCapStyle.RoundCap,
            Qt.PenJoinStyle.RoundJoin,
        )
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        s, x, y = side, box.x(), box.y()
        if status == "DONE":
            path = QPainterPath(QPointF(x + s * 0.29, y + s * 0.52))
            path.lineTo(x + s * 0.44, y + s * 0.66)
            path.lineTo(x + s * 0.72, y + s * 0.37)
            painter.drawPath(path)
        else:
            a, b = s * 0.34, s * 0.66
            painter.drawLine(QPointF(x + a, y + a), QPointF(x + b, y + b))
            painter.drawLine(QPointF(x + b, y + a), QPointF(x + a, y + b))
    elif status == "PROCESSING":
        ring = box.adjusted(width, width, -width, -width)
        track = QColor(color)
        track.setAlphaF(0.2)
        painter.setPen(QPen(track, width))
        painter.drawEllipse(ring)
        painter.setPen(QPen(color, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        painter.drawArc(ring, int(-angle * 16), 100 * 16)
    else:  # PENDING: a clock
        ring = box.adjusted(width, width, -width, -width)
        painter.setPen(QPen(color, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        painter.drawEllipse(ring)
        c = ring.center()
        painter.drawLine(c, QPointF(c.x(), ring.top() + ring.height() * 0.24))
        painter.drawLine(c, QPointF(c.x() + ring.width() * 0.22, c.y() + ring.height() * 0.1))
    painter.restore()


def live_dot(painter: QPainter, rect: QRectF, color: QColor, halo: float = 0.0) -> None:
    """A status dot with an optional soft halo (0..1) for the pulsing live indicator."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    center = rect.center()
    radius = min(rect.width(), rect.height()) / 2
    if halo > 0:
        glow = QColor(color)
        glow.setAlphaF(0.35 * (1 - halo))
        painter.setBrush(glow)
        painter.drawEllipse(center, radius * (0.5 + 0.5 * halo), radius * (0.5 + 0.5 * halo))
    painter.setBrush(color)
    painter.drawEllipse(center, radius * 0.45, radius * 0.45)
    painter.restore()


_ICON_PROPERTY = "photolotIcon"


def set_icon(button, name: str) -> None:
    """Give a button a line icon that follows later palette changes (`refresh_icons`)."""
    button.setProperty(_ICON_PROPERTY, name)
    button.setIcon(line_icon(name, palette=button.palette()))


def refresh_icons(root) -> None:
    """Re-tint every `set_icon` icon under `root` (the palette went light ↔ dark)."""
    from PySide6.QtWidgets import QAbstractButton

    for button in root.findChildren(QAbstractButton):
        if _ICON_PROPERTY.encode() not in [bytes(n.data()) for n in button.dynamicPropertyNames()]:
            continue
        name = button.property(_ICON_PROPERTY)
        if name:
            button.setIcon(line_icon(str(name), palette=button.palette()))
