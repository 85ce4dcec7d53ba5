"""Test data made on the fly: small, varied JPEGs."""

from __future__ import annotations

import random
from pathlib import Path

from PIL import Image, ImageDraw


def make_photo(path: Path, seed: int, size: tuple[int, int] = (160, 120)) -> Path:
    """A distinct picture per seed (shapes on a coloured ground), so no two are near-duplicates."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, tuple(rng.randrange(40, 220) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x0, y0 = rng.randrange(size[0]), rng.randrange(size[1])
        x1, y1 = x0 + rng.randrange(8, size[0] // 2), y0 + rng.randrange(8, size[1] // 2)
        colour = tuple(rng.randrange(256) for _ in range(3))
        if rng.random() < 0.5:
            draw.rectangle((x0, y0, x1, y1), fill=colour)
        else:
            draw.ellipse((x0, y0, x1, y1), fill=colour)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, "JPEG", quality=85)
    return path


def make_photos(folder: Path, count: int, prefix: str = "photo") -> list[Path]:
    return [make_photo(folder / f"{prefix}-{i:04d}.jpg", seed=i) for i in range(count)]
