"""Realistic 12-megapixel camera JPEGs for the benchmarks, made from the real corpus photos.

    from bench.images import camera_jpegs
    files = camera_jpegs(32)            # cached: a second call (or run) reuses them

    python -m bench.images [--count 32] [--fresh]     # make them, print what they are

    folder = small_photo_folder(1000)   # 1,000 distinct 480 x 360 photos in room folders

Each file is a real corpus photo (upright), cropped and upscaled to 4000 x 3000, with
a mid-frequency texture and a fine per-channel grain added so that it compresses like
a camera JPEG (about 3 MB at quality 92, 4:2:0), with camera-like EXIF. One file in
four is stored the way a phone held upright stores it: landscape pixels with EXIF
orientation 6 (the viewer rotates them), so decoders must rotate it.

The noise comes from tiles shifted per file: JPEG cannot exploit the repetition, so
the files compress like full-frame noise, but are made in a fraction of the time.
Files are cached in the system temp dir, keyed by the recipe, until `--fresh`.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import shutil
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from bench.common import CORPUS, table

RECIPE = 2  # bump when the recipe changes: the cache key includes it
SIZE = (4000, 3000)
QUALITY = 92
FINE_SIGMA = 3.0  # sensor grain, per channel
TEXTURE_SIGMA = 11.0  # surface texture, luminance, 4 px features
ROTATED_EVERY = 4  # every 4th file: EXIF orientation 6
SOURCES = [  # real, intact corpus photos (orientation applied when read)
    "shandutta__homematch-v2/mock-home-1.jpg",
    "shandutta__homematch-v2/mock-home-2.jpg",
    "shandutta__homematch-v2/mock-home-3.jpg",
    "recurser__exif-orientation-examples/Landscape_1.jpg",
    "recurser__exif-orientation-examples/Portrait_1.jpg",
    "ianare__exif-samples/jpg/gps/DSCN0010.jpg",
    "ianare__exif-samples/jpg/gps/DSCN0012.jpg",
    "ianare__exif-samples/jpg/hdr/iphone_hdr_NO.jpg",
    "ianare__exif-samples/jpg/hdr/canon_hdr_NO.jpg",
    "ianare__exif-samples/jpg/mobile/jolla.jpg",
]


def cache_dir(count: int) -> Path:
    key = hashlib.sha256(
        json.dumps([RECIPE, SIZE, QUALITY, FINE_SIGMA, TEXTURE_SIGMA, SOURCES, count]).encode()
    ).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"photolot-bench-12mp-{key}"


def _tiled(tile, size: tuple[int, int], dx: int, dy: int):
    from PIL import Image, ImageChops

    tile = ImageChops.offset(tile, dx, dy)
    out = Image.new(tile.mode, size)
    for x in range(0, size[0], tile.width):
        for y in range(0, size[1], tile.height):
            out.paste(tile, (x, y))
    return out


def make_one(index: int, target: Path) -> Path:
    """Write camera-like JPEG number `index` to `target` (deterministic layout, random grain)."""
    from PIL import Image, ImageChops, ImageOps

    source = CORPUS / "photos" / SOURCES[index % len(SOURCES)]
    with Image.open(source) as im:
        upright = ImageOps.exif_transpose(im).convert("RGB")
    if index // len(SOURCES) % 2:
        upright = ImageOps.mirror(upright)  # a second take of the same room
    rotated = index % ROTATED_EVERY == 1
    width, height = SIZE
    shape = (height, width) if rotated else (width, height)  # the upright picture's shape
    centering = (0.3 + 0.4 * ((index * 7) % 10) / 10, 0.5)
    picture = ImageOps.fit(upright, shape, Image.Resampling.BICUBIC, centering=centering)
    texture = _tiled(
        Image.effect_noise((250, 250), TEXTURE_SIGMA), (shape[0] // 4, shape[1] // 4), 0, 0
    ).resize(shape, Image.Resampling.BICUBIC)
    picture = ImageChops.add(picture, Image.merge("RGB", (texture,) * 3), 1.0, -128)
    grain = [
        _tiled(Image.effect_noise((1000, 1000), FINE_SIGMA), shape, 37 * index, 53 * index)
        for _ in range(3)
    ]
    picture = ImageChops.add(picture, Image.merge("RGB", grain), 1.0, -128)
    exif = Image.Exif()
    exif[0x010F] = "PhotoLot Bench"  # Make
    exif[0x0110] = "Synthetic 12MP"  # Model
    exif[0x0132] = f"2024:05:{1 + index % 28:02d} 10:{index % 60:02d}:00"  # DateTime
    if rotated:  # stored as the sensor saw it: landscape pixels, "rotate 90° CW to view"
        picture = picture.transpose(Image.Transpose.ROTATE_90)
        exif[0x0112] = 6
    else:
        exif[0x0112] = 1
    tmp = target.with_suffix(".part")
    picture.save(tmp, "JPEG", quality=QUALITY, exif=exif.tobytes())
    tmp.replace(target)
    return target


def camera_jpegs(count: int = 32, *, fresh: bool = False, jobs: int = 2) -> list[Path]:
    """`count` camera-like 12 MP JPEGs, made once and cached in the temp dir."""
    folder = cache_dir(count)
    if fresh and folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    files = [folder / f"IMG_{index:04d}.jpg" for index in range(count)]
    missing = [(i, path) for i, path in enumerate(files) if not path.exists()]
    if missing:
        print(f"making {len(missing)} 12 MP test photos in {folder} …", flush=True)
        with ProcessPoolExecutor(jobs) as pool:
            list(pool.map(make_one, *zip(*missing, strict=True)))
    return files


SMALL_SIZE = (480, 360)
ROOMS = ("Salon", "Cuisine", "Chambre", "Salle de bain")


@functools.cache
def _small_source(number: int):
    from PIL import Image, ImageOps

    with Image.open(CORPUS / "photos" / SOURCES[number]) as im:
        im.draft("RGB", (1600, 1600))
        upright = ImageOps.exif_transpose(im).convert("RGB")
    upright.thumbnail((1600, 1600))
    return upright


def make_small(index: int, target: Path) -> Path:
    """A distinct 480 x 360 crop of a corpus photo (a phone's "small" size), quality 85."""
    from PIL import Image, ImageOps

    source = _small_source(index % len(SOURCES))
    step = index // len(SOURCES)
    zoom = 1.15 + (step % 9) * 0.2  # zoom in, then pan: every file shows another part
    width, height = source.size
    crop_w = min(width, round(width / zoom))
    crop_h = min(height, round(crop_w * SMALL_SIZE[1] / SMALL_SIZE[0]))
    left = (width - crop_w) * ((step * 37) % 100) // 100
    top = (height - crop_h) * ((step * 53) % 100) // 100
    box = (left, top, left + crop_w, top + crop_h)
    picture = source.resize(SMALL_SIZE, Image.Resampling.BILINEAR, box=box, reducing_gap=2.0)
    if step % 2:
        picture = ImageOps.mirror(picture)
    tmp = target.with_suffix(".part")
    picture.save(tmp, "JPEG", quality=85)
    tmp.replace(target)
    return target


def small_photo_folder(count: int = 1000, *, fresh: bool = False, jobs: int = 2) -> Path:
    """A folder of `count` distinct small photos spread over room sub-folders (cached)."""
    key = hashlib.sha256(json.dumps([RECIPE, SMALL_SIZE, SOURCES, count]).encode()).hexdigest()
    folder = Path(tempfile.gettempdir()) / f"photolot-bench-small-{key[:12]}" / "Maison"
    if fresh and folder.exists():
        shutil.rmtree(folder)
    files = [folder / ROOMS[index % len(ROOMS)] / f"IMG_{index:05d}.jpg" for index in range(count)]
    missing = [(i, path) for i, path in enumerate(files) if not path.exists()]
    if missing:
        for room in ROOMS:
            (folder / room).mkdir(parents=True, exist_ok=True)
        print(f"making {len(missing)} small test photos in {folder} …", flush=True)
        with ProcessPoolExecutor(jobs) as pool:
            list(pool.map(make_small, *zip(*missing, strict=True), chunksize=50))
    return folder


def describe(files: list[Path]) -> dict:
    from PIL import Image

    sizes = [path.stat().st_size for path in files]
    rotated = 0
    for path in files:
        with Image.open(path) as im:
            rotated += im.getexif().get(0x0112) == 6
    return {
        "files": len(files),
        "pixels": f"{SIZE[0]}x{SIZE[1]}",
        "mean_mb": round(sum(sizes) / len(sizes) / 1e6, 2),
        "min_mb": round(min(sizes) / 1e6, 2),
        "max_mb": round(max(sizes) / 1e6, 2),
        "orientation_6": rotated,
        "quality": QUALITY,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=32)
    parser.add_argument("--fresh", action="store_true", help="make them again")
    args = parser.parse_args()
    files = camera_jpegs(args.count, fresh=args.fresh)
    info = describe(files)
    print(table([tuple(info.values())], tuple(info)))
    print(f"in {files[0].parent}")


if __name__ == "__main__":
    main()
