"""Decode one photo and compute the facts PhotoLot needs (size, thumbnail, pHash, blur, darkness).

Pure functions: no database, no Qt, nothing happens at import time. The HEIF opener of
pillow-heif is registered lazily, once, under a lock. ``process_image`` is safe to call from
several worker threads at once: it never mutates Pillow's global settings.

Policies
--------
Formats
    Recognised by content, never by extension. Accepted (Pillow format names): see
    ``IMAGE_FORMATS``. Anything else Pillow can open (PCX, ICO, PSD, ...) is ``unsupported``;
    content nobody recognises is ``not_an_image``; a recognised signature that fails to parse
    is ``corrupt``. Multi-frame files (GIF, APNG, animated WEBP, MPO, AVIF sequences, multipage
    TIFF) are accepted, only the first frame is decoded; ``frames`` reports the count.
Size limits
    ``MAX_PIXELS`` defaults to Pillow's own hard limit (2 x ``Image.MAX_IMAGE_PIXELS`` =
    178,956,970 px), so a genuine 200 MP phone photo (199,756,800 px) is rejected as
    ``too_large`` by default, as the corpus expectations require. Callers may pass a higher
    ``max_pixels`` (e.g. 210_000_000 to accept 200 MP sensors). Pillow's bomb guard stays on
    and ``Image.MAX_IMAGE_PIXELS`` is never changed: when Pillow refuses a file at open() we
    re-read only its header with the plugin of the sniffed format and apply our own limit to
    the declared size, before any pixel is decoded (so the 4.3-gigapixel GIF and 6e12-pixel
    BMP are still rejected). Big images are decoded reduced where the codec allows it (JPEG
    DCT scaling via ``draft``, embedded HEIF thumbnails) and otherwise reduced with
    ``Image.reduce`` right after decoding. Peak memory is bounded by ``max_pixels``: about
    7 bytes per pixel for HEIF (1.4 GB and several seconds for a 200 MP HEIC), much less for
    JPEG. ``MIN_SIDE`` (32 px) rejects 1x1 images but keeps 100x66 camera thumbnails.
Decoding
    ``load()`` is called exactly once and only its first result counts: some broken files
    succeed on a second attempt with garbage pixels. ``LOAD_TRUNCATED_IMAGES`` is never set.
Orientation
    Applied exactly once. EXIF orientation (JPEG, WEBP, PNG incl. ImageMagick raw profiles,
    TIFF), XMP-only orientation and AVIF irot/imir all arrive through ``getexif()`` (Pillow's
    AVIF plugin leaves the pixels untransformed and reports the transform as EXIF
    orientation). pillow-heif has already rotated HEIF pixels and rewritten the tag to 1; we
    do not rotate them again and report ``info['original_orientation']``. Values outside 1..8
    (0 included) and unreadable EXIF count as 1.
Modes
    Everything becomes 8-bit RGB: 16/32-bit integer and float images are scaled to 0..255
    first (a naive convert clips them to white), alpha is flattened onto white, palette,
    1-bit, grey and CMYK images are converted. ICC profiles are ignored.
Figures
    All come from the same reduced image: ``brightness`` is the mean luminance, ``sharpness``
    the variance of a 3x3 Laplacian on a greyscale reduction to ``ANALYSIS_SIDE`` px,
    ``phash`` a 64-bit DCT perceptual hash of a 32x32 greyscale reduction.
"""

from __future__ import annotations

import errno
import math
import operator
import statistics
import threading
from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import IO, TypeVar

from PIL import Image, ImageFilter, ImageStat, UnidentifiedImageError

__all__ = [
    "BLUR_THRESHOLD",
    "DARK_THRESHOLD",
    "IMAGE_FORMATS",
    "MAX_PIXELS",
    "MIN_SIDE",
    "NEAR_DUPLICATE_DISTANCE",
    "SNIFF_BYTES",
    "ImageFacts",
    "ImagingError",
    "hamming",
    "process_image",
    "render_preview",
    "sniff_format",
]

IMAGE_FORMATS: frozenset[str] = frozenset(
    {"JPEG", "MPO", "PNG", "GIF", "WEBP", "TIFF", "BMP", "HEIF", "AVIF"}
)
SNIFF_BYTES = 32
MAX_PIXELS = 178_956_970  # Pillow's hard limit, 2 * Image.MAX_IMAGE_PIXELS (default)
MIN_SIDE = 32  # shortest side, in pixels
ANALYSIS_SIDE = 256  # longest side of the greyscale image used for sharpness and brightness
THUMB_QUALITY = 82
PREVIEW_QUALITY = 85
# Variance of the Laplacian on the 256 px greyscale reduction (border excluded). Sharp corpus
# photos score 290-3400; the same photos after a Gaussian blur of radius 0.5 % of their longest
# side score 13-75 (>= 640 px photos), 1 % scores <= 17. A flat, featureless picture scores ~0.
BLUR_THRESHOLD = 100.0
# Mean luminance 0..255. The darkest real corpus photo scores 53; photos darkened to 5 %
# score 2-9.
DARK_THRESHOLD = 30.0
# pHash bits out of 64. Re-encodes (JPEG q40..q95) and 50-80 % resizes of a corpus photo differ
# by 0-2 bits; distinct corpus photos by 20 or more. Flat, featureless pictures hash unstably.
NEAR_DUPLICATE_DISTANCE = 10

T = TypeVar("T")

_HEIF_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1", b"heim", b"heis"})
_AVIF_BRANDS = frozenset({b"avif", b"avis"})
# Storage errors a later attempt may well get past (the pipeline retries these).
TRANSIENT_ERRNOS = frozenset(
    {
        errno.EIO,
        errno.EAGAIN,
        errno.EWOULDBLOCK,
        errno.EBUSY,
        errno.ETIMEDOUT,
        errno.EINTR,
        errno.ESTALE,
        errno.ENOLCK,
        errno.EDEADLK,
    }
)
_REDUCIBLE_MODES = frozenset({"L", "LA", "RGB", "RGBA", "CMYK", "YCbCr", "I", "F"})
# Transpose per EXIF orientation, as in ImageOps.exif_transpose.
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_LAPLACIAN = ImageFilter.Kernel((3, 3), (0, 1, 0, 1, -4, 1, 0, 1, 0), scale=1, offset=128)
# DCT-II basis for the 8 lowest frequencies of a 32-sample signal.
_DCT = tuple(tuple(math.cos(math.pi * (2 * x + 1) * u / 64) for x in range(32)) for u in range(8))

_MESSAGES = {
    "empty_file": "The file is empty, so there is no picture in it.",
    "not_an_image": "This file is not a picture, or not a kind of picture we recognise.",
    "corrupt": "The picture is damaged and cannot be opened.",
    "truncated": "The picture file is incomplete; it may have been cut off while copying.",
    "too_large": "The picture is too large to process.",
    "source_missing": "The file is no longer there; it may have been moved or deleted.",
    "unreadable": "The file could not be read; check that you are allowed to open it.",
    "io_error": "The file could not be read just now because of a disk or network problem.",
}


class ImagingError(Exception):
    """A photo could not be used. ``message`` is meant for the user, ``code`` for programs."""

    code: str  # empty_file not_an_image unsupported corrupt truncated too_large too_small
    message: str  # source_missing unreadable io_error (the only transient one)
    transient: bool

    def __init__(self, code: str, message: str | None = None, *, transient: bool = False):
        self.code = code
        self.message = message or _MESSAGES[code]
        self.transient = transient
        super().__init__(self.message)


@dataclass(frozen=True)
class ImageFacts:
    format: str
    width: int
    height: int
    frames: int
    orientation: int
    thumbnail_jpeg: bytes
    phash: int
    sharpness: float
    brightness: float
    blurry: bool
    too_dark: bool
    # The oriented 8-bit RGB picture every figure came from (at least ``analysis_side`` on
    # its shorter side when the photo is that big), for the object detector: one decode
    # serves thumbnail, figures and detector. None unless asked for (``keep_image``).
    image: Image.Image | None = None


def sniff_format(head: bytes) -> str | None:
    """Name the image family from the first bytes of a file (``SNIFF_BYTES`` suffice)."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "TIFF"
    if head[:2] == b"BM":
        return "BMP"
    if head[4:8] == b"ftyp":
        # Major brand, then the compatible brands that fit in the ftyp box and in ``head``.
        end = min(len(head), int.from_bytes(head[:4], "big"))
        brands = [head[8:12]] + [head[i : i + 4] for i in range(16, end - 3, 4)]
        for brand in brands:  # the first specific brand decides; mif1/msf1 are generic
            if brand in _AVIF_BRANDS:
                return "AVIF"
            if brand in _HEIF_BRANDS - {b"mif1", b"msf1"}:
                return "HEIF"
        if any(brand in (b"mif1", b"msf1") for brand in brands):
            return "HEIF"
    return None


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two hashes."""
    return (a ^ b).bit_count()


_heif_lock = threading.Lock()
_heif_registered = False


def _register_heif() -> None:
    global _heif_registered
    if _heif_registered:
        return
    with _heif_lock:
        if not _heif_registered:
            import pillow_heif

            pillow_heif.register_heif_opener()
            _heif_registered = True


def process_image(
    path: Path,
    *,
    thumb_size: int = 320,
    max_pixels: int = MAX_PIXELS,
    min_side: int = MIN_SIDE,
    analysis_side: int = 0,
    keep_image: bool = False,
) -> ImageFacts:
    """Decode the first frame of ``path`` once and return its facts; raise ImagingError.

    ``analysis_side``: decode at least this many pixels on the shorter side (where the photo
    has them), for a detector that looks at more than a thumbnail; ``keep_image`` returns the
    oriented RGB picture in ``ImageFacts.image``."""
    work = max(thumb_size, ANALYSIS_SIDE, analysis_side)
    return _read(
        path,
        lambda fp, family: _process(fp, family, thumb_size, max_pixels, min_side, work, keep_image),
    )


def _read(path: Path, decode: Callable[[IO[bytes], str | None], T]) -> T:
    """Open ``path``, sniff its family and hand both to ``decode``; every failure becomes
    an ImagingError (empty file, Pillow's and pillow-heif's errors, the OS's)."""
    _register_heif()
    try:
        with open(path, "rb") as fp:
            head = fp.read(SNIFF_BYTES)
            if not head:
                raise ImagingError("empty_file")
            return decode(fp, sniff_format(head))
    except ImagingError:
        raise
    except Exception as exc:  # anything from Pillow/pillow-heif or the OS
        raise _classify(exc) from exc


def _process(
    fp: IO[bytes],
    family: str | None,
    thumb_size: int,
    max_pixels: int,
    min_side: int,
    work: int,
    keep_image: bool,
) -> ImageFacts:
    im = _open(fp, family)
    with im:
        if im.format not in IMAGE_FORMATS:
            raise ImagingError(
                "unsupported",
                f"This is a {im.format} file, which PhotoLot does not accept. Please use JPEG,"
                " PNG, HEIC, WEBP, AVIF, TIFF, BMP or GIF pictures.",
            )
        width, height = im.size
        if width * height > max_pixels:
            raise ImagingError(
                "too_large",
                f"The picture is too large to process ({width * height / 1e6:.0f} megapixels;"
                f" the limit is {max_pixels / 1e6:.0f}).",
            )
        # JPEG DCT scaling (the smallest 1/2^n scale still >= work on both sides); else no-op
        im.draft(None, (work, work))
        im.load()  # the only load: a failure here is final, never retried
        if min(width, height) < min_side:  # after load: a damaged file is reported as such
            raise ImagingError(
                "too_small", f"The picture is too small to analyse ({width} x {height} pixels)."
            )
        # Shrink first (cheap, bounded memory), then convert the small image to 8-bit RGB.
        if im.mode in _REDUCIBLE_MODES:
            base = im
        elif im.mode == "1" or im.mode.startswith("I;16"):
            base = im.convert("L" if im.mode == "1" else "I")
        else:
            base = _to_rgb(im, im.mode)
        factor = max(base.size) // (2 * work)
        if factor > 1:
            base = base.reduce(factor)
        base = _to_rgb(base, im.mode)

        orientation = _orientation(im)
        if im.format == "HEIF":  # pillow-heif already rotated the pixels and the size
            applied = im.info.get("original_orientation")
            reported = applied if isinstance(applied, int) and 1 <= applied <= 8 else 1
        else:
            reported = orientation
            if orientation in _TRANSPOSE:
                base = base.transpose(_TRANSPOSE[orientation])
            if orientation >= 5:
                width, height = height, width

        thumb = base.copy()
        # HAMMING: Pillow's filters all antialias when shrinking, and after draft/reduce the
        # step is small (under 2x for a JPEG), where it looks like LANCZOS (compared side by
        # side at 3x zoom) for under half its cost: 1.0 ms instead of 2.4 per 12 MP photo.
        thumb.thumbnail((thumb_size, thumb_size), Image.Resampling.HAMMING)
        out = BytesIO()
        thumb.save(out, "JPEG", quality=THUMB_QUALITY)
        grey = base.convert("L")
        grey.thumbnail((ANALYSIS_SIDE, ANALYSIS_SIDE), Image.Resampling.BOX)
        brightness = float(ImageStat.Stat(grey).mean[0])
        sharpness = _laplacian_variance(grey)
        phash = _phash(grey)
        try:  # counting may seek through the file; done last, after all pixel work
            frames = int(getattr(im, "n_frames", 1))
        except Exception:
            frames = 1
        return ImageFacts(
            format=im.format,
            width=width,
            height=height,
            frames=max(frames, 1),
            orientation=reported,
            thumbnail_jpeg=out.getvalue(),
            phash=phash,
            sharpness=sharpness,
            brightness=brightness,
            blurry=sharpness < BLUR_THRESHOLD,
            too_dark=brightness < DARK_THRESHOLD,
            image=base if keep_image else None,
        )


def render_preview(path: Path, max_side: int) -> bytes:
    """A JPEG of the photo at ``path`` (a stored file that ``process_image`` accepted), its
    longest side ``max_side`` px at most, oriented and converted exactly as the thumbnail:
    same EXIF/HEIF orientation rules, same 8-bit RGB conversion. Raises ImagingError."""
    return _read(path, lambda fp, family: _preview(_open(fp, family), max_side))


def _preview(im: Image.Image, max_side: int) -> bytes:
    with im:  # ``base`` may be ``im`` itself: finish before it is closed
        base = _decode_rgb(im, max_side)
        orientation = _orientation(im)
        if im.format != "HEIF" and orientation in _TRANSPOSE:  # HEIF: already rotated
            base = base.transpose(_TRANSPOSE[orientation])
        if max(base.size) > max_side:
            base = base.copy() if base is im else base
            base.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        out = BytesIO()
        base.save(out, "JPEG", quality=PREVIEW_QUALITY)
        return out.getvalue()


def _decode_rgb(im: Image.Image, max_side: int) -> Image.Image:
    """Load the first frame, no smaller than ``max_side`` on its longest side where the photo
    has that many pixels, as 8-bit RGB (JPEG DCT scaling, then ``reduce``, as ``_process``)."""
    width, height = im.size
    scale = min(1.0, max_side / max(width, height, 1))
    # draft keeps both sides >= the request: ask for the scaled size, not a square
    im.draft(None, (math.ceil(width * scale), math.ceil(height * scale)))
    im.load()
    if im.mode in _REDUCIBLE_MODES:
        base = im
    elif im.mode == "1" or im.mode.startswith("I;16"):
        base = im.convert("L" if im.mode == "1" else "I")
    else:
        base = _to_rgb(im, im.mode)
    factor = max(base.size) // max_side
    if factor > 1:
        base = base.reduce(factor)
    return _to_rgb(base, im.mode)


def _open(fp: IO[bytes], family: str | None) -> Image.Image:
    """Open headers only. Pillow's bomb guard is consulted first; see module docstring."""
    fp.seek(0)
    try:
        return Image.open(fp)
    except UnidentifiedImageError as exc:
        code = "corrupt" if family else "not_an_image"
        raise ImagingError(code) from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        if family is None:
            raise
    # Pillow refused the declared size against its global limit. Re-read just the header
    # with the plugin for the sniffed family; the caller then applies ``max_pixels``. This
    # avoids touching the process-wide Image.MAX_IMAGE_PIXELS from a worker thread.
    Image.init()
    factory = Image.OPEN[family][0]
    fp.seek(0)
    return factory(fp, "")


def _orientation(im: Image.Image) -> int:
    try:
        value = int(im.getexif().get(0x0112, 1))
    except Exception:  # corrupt or odd EXIF: ignore it
        return 1
    return value if 1 <= value <= 8 else 1


def _to_rgb(im: Image.Image, source_mode: str) -> Image.Image:
    """Convert to 8-bit RGB, scaling deep images (``source_mode`` = mode as decoded)."""
    mode = im.mode
    if mode == "RGB":
        return im
    if mode.startswith("I") or mode == "F":
        im = im.convert("F") if mode == "F" else im.convert("I")
        high = im.getextrema()[1]
        if source_mode.startswith("I;16") or 255 < high <= 65535:
            scale = 1 / 257  # 16-bit samples
        elif mode == "F" and high <= 1.0:
            scale = 255.0  # float samples in 0..1
        else:
            scale = 255 / high if high > 255 else 1.0
        return im.point(lambda v: v * scale).convert("L").convert("RGB")
    if mode in ("RGBA", "LA", "PA", "La", "RGBa") or (mode == "P" and im.has_transparency_data):
        rgba = im.convert("RGBA")
        flat = Image.new("RGB", im.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    if mode == "1":
        im = im.convert("L")
    return im.convert("RGB")


def _laplacian_variance(grey: Image.Image) -> float:
    """Variance of a 3x3 Laplacian; Pillow copies border pixels unfiltered, so drop them."""
    w, h = grey.size
    if w < 3 or h < 3:
        return 0.0
    edges = grey.filter(_LAPLACIAN).crop((1, 1, w - 1, h - 1))
    return float(ImageStat.Stat(edges).var[0])


def _phash(grey: Image.Image) -> int:
    """64-bit DCT pHash: 32x32 grey, 8x8 lowest frequencies, bit = coefficient > median."""
    data = grey.resize((32, 32), Image.Resampling.BOX).tobytes()
    rows = [data[y * 32 : (y + 1) * 32] for y in range(32)]
    partial = [[sum(map(operator.mul, row, basis)) for basis in _DCT] for row in rows]
    columns = list(zip(*partial, strict=True))  # columns[v][y] = partial[y][v]
    coeffs = [sum(map(operator.mul, _DCT[u], columns[v])) for u in range(8) for v in range(8)]
    median = statistics.median(coeffs)
    bits = 0
    for c in coeffs:
        bits = (bits << 1) | (c > median)
    return bits


def _classify(exc: BaseException) -> ImagingError:
    """Map any exception raised while reading or decoding to an ImagingError."""
    if isinstance(exc, (Image.DecompressionBombError, Image.DecompressionBombWarning)):
        return ImagingError("too_large")
    if isinstance(exc, MemoryError):
        return ImagingError("too_large")
    if isinstance(exc, FileNotFoundError):
        return ImagingError("source_missing")
    if isinstance(exc, PermissionError):
        return ImagingError("unreadable", "PhotoLot is not allowed to read this file.")
    if isinstance(exc, IsADirectoryError):
        return ImagingError("not_an_image", "This is a folder, not a picture file.")
    if isinstance(exc, OSError) and exc.errno is not None:  # a real OS error, not a decoder's
        if exc.errno in TRANSIENT_ERRNOS:
            return ImagingError("io_error", transient=True)
        if exc.errno == errno.ENOENT:
            return ImagingError("source_missing")
        return ImagingError("unreadable")
    if isinstance(exc, EOFError) or "truncat" in str(exc).lower():
        return ImagingError("truncated")
    return ImagingError("corrupt")
