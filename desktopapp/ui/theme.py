"""Colours: the seed's status colours (Tailwind's palette), tuned for light and dark.

Everything else comes from the system palette (`QPalette` roles), so the window
follows the light or dark appearance of the desktop.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QWidget

# Tailwind shades the seed used: (100 badge background, 500 bar, 800 badge text),
# plus 300 and 900 for the dark appearance.
_SHADES = {
    "gray": {
        "100": "#f3f4f6",
        "300": "#d1d5db",
        "400": "#9ca3af",
        "500": "#6b7280",
        "800": "#1f2937",
        "900": "#111827",
    },
    "blue": {
        "100": "#dbeafe",
        "300": "#93c5fd",
        "400": "#60a5fa",
        "500": "#3b82f6",
        "800": "#1e40af",
        "900": "#1e3a8a",
    },
    "orange": {
        "100": "#ffedd5",
        "300": "#fdba74",
        "400": "#fb923c",
        "500": "#f97316",
        "800": "#9a3412",
        "900": "#7c2d12",
    },
    "green": {
        "100": "#dcfce7",
        "300": "#86efac",
        "400": "#4ade80",
        "500": "#22c55e",
        "800": "#166534",
        "900": "#14532d",
    },
    "violet": {
        "100": "#ede9fe",
        "300": "#c4b5fd",
        "400": "#a78bfa",
        "500": "#8b5cf6",
        "800": "#5b21b6",
        "900": "#4c1d95",
    },
    "red": {
        "100": "#fee2e2",
        "300": "#fca5a5",
        "400": "#f87171",
        "500": "#ef4444",
        "800": "#991b1b",
        "900": "#7f1d1d",
    },
}

STATUS_HUE = {
    "QUEUED": "gray",
    "PROCESSING": "blue",
    "PAUSED": "violet",
    "PARTIAL": "orange",
    "COMPLETED": "green",
    "FAILED": "red",
    "CANCELLED": "gray",
}
PHOTO_HUE = {
    "PENDING": "gray",
    "PROCESSING": "blue",
    "DONE": "green",
    "ERROR": "red",
    "CANCELLED": "gray",
}
COUNT_HUE = {"queued": "gray", "processing": "blue", "completed": "green", "failed": "red"}


@dataclass(frozen=True)
class StatusColors:
    background: QColor
    text: QColor
    bar: QColor


def is_dark(palette: QPalette | None = None) -> bool:
    palette = palette or QApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def shade(hue: str, level: str) -> QColor:
    return QColor(_SHADES.get(hue, _SHADES["gray"])[level])


def status_colors(status: str | None, palette: QPalette | None = None) -> StatusColors:
    hue = STATUS_HUE.get(status or "", "gray")
    bar = shade(hue, "400" if hue == "gray" else "500")
    if is_dark(palette):
        background = shade(hue, "500")
        background.setAlpha(56)
        return StatusColors(background, shade(hue, "300"), bar)
    return StatusColors(shade(hue, "100"), shade(hue, "800"), bar)


def accent(hue: str, palette: QPalette | None = None) -> QColor:
    """A readable foreground in `hue` (icons, counter figures) for the current appearance."""
    if hue == "gray":
        return secondary_text(palette)
    return shade(hue, "400" if is_dark(palette) else "500")


def secondary_text(palette: QPalette | None = None) -> QColor:
    palette = palette or QApplication.palette()
    color = QColor(palette.color(QPalette.ColorRole.WindowText))
    color.setAlphaF(0.62)
    return color


def subtle_fill(palette: QPalette | None = None, strength: float = 0.06) -> QColor:
    """A faint tint of the text colour: cards, tracks, hover (works light and dark)."""
    palette = palette or QApplication.palette()
    color = QColor(palette.color(QPalette.ColorRole.WindowText))
    color.setAlphaF(strength)
    return color


def border(palette: QPalette | None = None) -> QColor:
    return subtle_fill(palette, 0.14)


def scaled_font(widget: QWidget, factor: float, weight: QFont.Weight | None = None) -> QFont:
    font = QFont(widget.font())
    size = font.pointSizeF()
    if size > 0:
        font.setPointSizeF(size * factor)
    else:
        font.setPixelSize(max(1, round(font.pixelSize() * factor)))
    if weight is not None:
        font.setWeight(weight)
    return font


def rgba(color: QColor) -> str:
    """A colour for a style sheet."""
    return f"rgba({color.red()}, {color.green()}, {color.blue()}, {color.alpha()})"
