"""The window's first size, within the screen it opens on.

    size = fit_size(QSize(1200, 780), screen.availableGeometry())

A laptop screen of 1600×1000 at 150 % scaling gives Qt about 1066×666 logical pixels,
less the panels: a window asked for at 1200×780 would open with its bottom (the photo
list, the buttons) off the screen. `fit_size` keeps the wanted size where it fits and
shrinks it to the available area otherwise, leaving room for the title bar and frame
that the window manager adds around it. `fit_window` applies it and centres the window.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize
from PySide6.QtWidgets import QWidget

FRAME_WIDTH = 16  # left + right borders a window manager may add
FRAME_HEIGHT = 40  # the title bar and bottom border


def fit_size(wanted: QSize, available: QRect, minimum: QSize | None = None) -> QSize:
    """`wanted`, shrunk to fit `available` with its frame; never below `minimum` (the
    window cannot be smaller than its contents allow), nor below 1×1."""
    width = min(wanted.width(), available.width() - FRAME_WIDTH)
    height = min(wanted.height(), available.height() - FRAME_HEIGHT)
    if minimum is not None:
        width, height = max(width, minimum.width()), max(height, minimum.height())
    return QSize(max(1, width), max(1, height))


def fits(size: QSize, available: QRect) -> bool:
    return (
        size.width() + FRAME_WIDTH <= available.width()
        and size.height() + FRAME_HEIGHT <= available.height()
    )


def fit_window(window: QWidget, wanted: QSize, *, centre: bool = True) -> QSize:
    """Resize `window` to `wanted` within its screen's available area (centred there)."""
    screen = window.screen()
    if screen is None:
        window.resize(wanted)
        return wanted
    available = screen.availableGeometry()
    size = fit_size(wanted, available, window.minimumSize())
    window.resize(size)
    if centre:
        left = available.left() + max(0, (available.width() - size.width() - FRAME_WIDTH) // 2)
        top = available.top() + max(0, (available.height() - size.height() - FRAME_HEIGHT) // 2)
        window.move(left, top)
    return size


__all__ = ["fit_size", "fit_window", "fits"]
