"""Render resources/icons/photolot.svg to the PNG sizes, .ico and .icns the packages need.

    QT_QPA_PLATFORM=offscreen python tools/make_icons.py

Run it again after editing the SVG; the outputs are committed (they are small).
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def render(renderer: QSvgRenderer, size: int) -> Image.Image:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return Image.open(io.BytesIO(bytes(data))).convert("RGBA")


def main() -> int:
    QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(ICONS / "photolot.svg"))
    if not renderer.isValid():
        raise SystemExit("invalid SVG")
    images = {size: render(renderer, size) for size in SIZES}
    for size, image in images.items():
        image.save(ICONS / f"photolot-{size}.png", optimize=True)
    images[256].save(ICONS / "photolot.ico", sizes=[(s, s) for s in (16, 24, 32, 48, 64, 128, 256)])
    images[512].save(ICONS / "photolot.icns")
    print(f"wrote {len(images)} PNGs, photolot.ico and photolot.icns to {ICONS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
