"""desktopapp.core.imaging against the real corpus (../shared/corpus) and a few synthetic files."""

from __future__ import annotations

import csv
import errno
import io
import random
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageEnhance, ImageFile, ImageFilter, ImageOps, ImageStat

from desktopapp.core import imaging
from desktopapp.core.imaging import (
    IMAGE_FORMATS,
    MAX_PIXELS,
    NEAR_DUPLICATE_DISTANCE,
    SNIFF_BYTES,
    ImageFacts,
    ImagingError,
    hamming,
    process_image,
    sniff_format,
)

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
BAD = CORPUS / "bad"
PHOTOS = CORPUS / "photos"
RECURSER = PHOTOS / "recurser__exif-orientation-examples"
IANARE = PHOTOS / "ianare__exif-samples"
ROOMS = PHOTOS / "shandutta__homematch-v2"
IPHONE_HEIC = IANARE / "heic" / "mobile" / "iphone_13_pro_max.HEIC"
NOT_IMAGES = {".txt", ".md", ".rst", ".markdown", ".csv", ""}

with (BAD / "expectations.csv").open(newline="") as _fh:
    BAD_ROWS = list(csv.DictReader(_fh))

# The code we chose for every file the corpus says to reject.
REJECT_CODES = {
    "pillow/broken.png": "corrupt",  # PNG signature, mangled chunks: Pillow can't identify it
    "pillow/broken_data_stream.png": "corrupt",  # first load: bad zlib stream
    "pillow/crash-2020-10-test.tif": "corrupt",  # fuzzer TIFF; libtiff decoder error
    "pillow/decompression_bomb.gif": "too_large",
    "pillow/pngtest_bad.png.bin": "not_an_image",  # no valid magic at all
    "pillow/reallybig.bmp": "too_large",
    "pillow/shortfile.bmp": "truncated",
    "pillow/tRNS_null_1x1.png": "too_small",
    "pillow/truncated_end_chunk.png": "truncated",  # first load: "Truncated File Read"
    "pillow/truncated_image.png": "truncated",
    "pillow/truncated_jpeg.jpg": "truncated",
    "pillow/zero_width.gif": "corrupt",  # GIF signature, zero-width screen
    "pillow_heif/200MP.heic": "too_large",  # default policy; see test_200mp_*
    "pillow_heif/corrupted.heic": "corrupt",
    "pillow_heif/empty.heic": "empty_file",
}


def corpus_images(root: Path) -> list[Path]:
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file()
        and p.suffix.lower() not in NOT_IMAGES
        and not p.name.startswith(("LICENSE", "README"))
    )


def thumb(facts: ImageFacts, limit: int = 320) -> Image.Image:
    im = Image.open(io.BytesIO(facts.thumbnail_jpeg))
    im.load()
    assert im.format == "JPEG"
    assert im.mode == "RGB"
    assert 0 < max(im.size) <= limit
    return im


def small_grey(im: Image.Image, size: tuple[int, int]) -> Image.Image:
    return im.convert("L").resize(size, Image.Resampling.BOX)


def diff(a: Image.Image, b: Image.Image) -> float:
    """Mean absolute difference, 0..255, of two images downscaled to the first one's shape."""
    ratio = a.width / a.height
    size = (90, 60) if ratio > 1.2 else (60, 90) if ratio < 1 / 1.2 else (64, 64)
    return ImageStat.Stat(ImageChops.difference(small_grey(a, size), small_grey(b, size))).mean[0]


def assert_human_message(err: ImagingError, path: Path | None = None) -> None:
    msg = err.message
    assert msg and msg == str(err)
    assert msg[0].isupper() and msg.endswith("."), msg
    for leak in ("Error", "errno", "Traceback", "cannot identify", "decoder", "\\", "/"):
        assert leak not in msg, msg
    if path is not None:
        assert path.name not in msg
    cause = err.__cause__
    if cause is not None and str(cause):
        assert str(cause) not in msg


def expect_error(path: Path, code: str, **kwargs) -> ImagingError:
    with pytest.raises(ImagingError) as info:
        process_image(path, **kwargs)
    assert info.value.code == code, info.value.message
    assert_human_message(info.value, path)
    return info.value


# --- bad/ corpus, row by row ----------------------------------------------------------------


def test_every_reject_row_has_a_chosen_code() -> None:
    rejects = {row["file"] for row in BAD_ROWS if row["expected"] == "reject"}
    assert rejects == set(REJECT_CODES)


@pytest.mark.parametrize("row", BAD_ROWS, ids=[row["file"] for row in BAD_ROWS])
def test_bad_corpus_follows_expectations(row: dict[str, str]) -> None:
    path = BAD / row["file"]
    assert path.stat().st_size == int(row["bytes"])
    if row["expected"] == "reject":
        err = expect_error(path, REJECT_CODES[row["file"]])
        assert err.transient is False  # bad content is never worth retrying
        return
    facts = process_image(path)
    assert facts.format in IMAGE_FORMATS
    assert facts.width >= imaging.MIN_SIDE and facts.height >= imaging.MIN_SIDE
    assert 1 <= facts.orientation <= 8
    assert 0 <= facts.brightness <= 255 and facts.sharpness >= 0
    assert 0 <= facts.phash < 2**64
    t = thumb(facts)
    assert (t.width >= t.height) == (facts.width >= facts.height)
    if row["expected"] == "accept_first_frame":
        assert facts.frames > 1
    else:
        assert facts.frames == 1


def test_bad_corpus_formats_and_sizes() -> None:
    seen = {
        name: process_image(BAD / name)
        for name in (
            "pillow/iss634.apng",
            "pillow/sugarshack.mpo",
            "pillow/g4-multi.tiff",
            "pillow_heif/cat.hif",
            "pillow/pil_sample_cmyk.jpg",
        )
    }
    assert (seen["pillow/iss634.apng"].format, seen["pillow/iss634.apng"].frames) == ("PNG", 41)
    assert (seen["pillow/sugarshack.mpo"].format, seen["pillow/sugarshack.mpo"].frames) == (
        "MPO",
        2,
    )
    g4 = seen["pillow/g4-multi.tiff"]
    assert (g4.width, g4.height, g4.frames) == (3307, 4677, 3)
    hif = seen["pillow_heif/cat.hif"]
    assert (hif.format, hif.width, hif.height) == ("HEIF", 4240, 2832)
    assert thumb(seen["pillow/pil_sample_cmyk.jpg"]).getbands() == ("R", "G", "B")


def test_sixteen_bit_grey_is_scaled_not_clipped() -> None:
    facts = process_image(BAD / "pillow_heif" / "L_16__128x128.png")
    mean = ImageStat.Stat(thumb(facts).convert("L")).mean[0]
    assert 40 < mean < 200  # a naive convert gives ~253
    assert 40 < facts.brightness < 200


def test_alpha_is_flattened_onto_white() -> None:
    facts = process_image(BAD / "pillow" / "star.avifs")  # RGBA star on transparency
    corner = thumb(facts).getpixel((0, 0))
    assert min(corner) > 240


# --- size policy ----------------------------------------------------------------------------


def test_200mp_rejected_by_default() -> None:
    assert MAX_PIXELS < 12240 * 16320
    err = expect_error(BAD / "pillow_heif" / "200MP.heic", "too_large")
    assert "200 megapixels" in err.message


def test_200mp_accepted_with_a_raised_limit() -> None:
    globals_before = (Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES)
    facts = process_image(BAD / "pillow_heif" / "200MP.heic", max_pixels=210_000_000)
    assert (facts.format, facts.width, facts.height) == ("HEIF", 12240, 16320)
    assert facts.width * facts.height == 199_756_800
    assert max(thumb(facts).size) == 320
    # The global guard was neither lowered nor disabled, and bombs are still refused.
    globals_after = (Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES)
    assert globals_after == globals_before
    expect_error(BAD / "pillow" / "decompression_bomb.gif", "too_large", max_pixels=210_000_000)
    expect_error(BAD / "pillow" / "reallybig.bmp", "too_large", max_pixels=210_000_000)


def test_own_pixel_limit_and_min_side() -> None:
    jolla = IANARE / "jpg" / "mobile" / "jolla.jpg"  # 3264x2448
    err = expect_error(jolla, "too_large", max_pixels=5_000_000)
    assert "(8 megapixels; the limit is 5)" in err.message
    assert process_image(jolla, max_pixels=3264 * 2448).width == 3264
    canon = IANARE / "jpg" / "Canon_40D.jpg"  # 100x68
    assert process_image(canon).height == 68
    expect_error(canon, "too_small", min_side=100)


# --- every real photo -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", corpus_images(PHOTOS), ids=lambda p: str(p.relative_to(PHOTOS)).replace("\\", "/")
)
def test_every_photo_processes(path: Path) -> None:
    facts = process_image(path)
    assert facts.format in {"JPEG", "HEIF"}
    assert facts.frames == 1
    t = thumb(facts)
    assert max(t.size) == min(320, max(facts.width, facts.height))
    assert abs(t.width / t.height - facts.width / facts.height) < 0.05


# --- orientation ----------------------------------------------------------------------------

ORIENTATION_SETS = [
    (folder, stem)
    for folder, stem in (
        (RECURSER, "Landscape"),
        (RECURSER, "Portrait"),
        (IANARE / "jpg" / "orientation", "landscape"),
        (IANARE / "jpg" / "orientation", "portrait"),
    )
    if (folder / f"{stem}_1.jpg").exists()
]


@pytest.mark.parametrize("folder,stem", ORIENTATION_SETS, ids=lambda v: getattr(v, "name", v))
def test_orientation_sets_come_out_upright(folder: Path, stem: str) -> None:
    ref_facts = process_image(folder / f"{stem}_1.jpg")
    ref = thumb(ref_facts)
    wrong = [
        ref.transpose(t)
        for t in (
            Image.Transpose.ROTATE_180,
            Image.Transpose.FLIP_LEFT_RIGHT,
            Image.Transpose.FLIP_TOP_BOTTOM,
        )
    ]
    checked = 0
    for n in range(9):
        path = folder / f"{stem}_{n}.jpg"
        if not path.exists():
            continue
        facts = process_image(path)
        assert facts.orientation == max(n, 1)  # 0 is invalid and counts as 1
        assert (facts.width, facts.height) == (ref_facts.width, ref_facts.height)
        t = thumb(facts)
        assert t.size == ref.size  # a 90-degree mistake would swap the sides
        d = diff(t, ref)
        assert d < 4, (path.name, d)
        # Ignoring or double-applying 2/3/4 would leave a flipped or rotated picture.
        assert all(d < diff(w, ref) / 3 for w in wrong), path.name
        checked += 1
    assert checked >= 8


@pytest.mark.parametrize(
    "name,orientation,size",
    [
        ("hopper_orientation_6.webp", 6, (128, 128)),
        ("rot1mir0.avif", 5, (640, 427)),
        ("exif_imagemagick_orientation.png", 3, (512, 512)),
    ],
)
def test_orientation_from_webp_avif_png(name: str, orientation: int, size: tuple) -> None:
    path = BAD / "pillow" / name
    facts = process_image(path)
    assert facts.orientation == orientation
    assert (facts.width, facts.height) == size
    with Image.open(path) as raw:
        raw.load()
        upright = ImageOps.exif_transpose(raw)
        raw_rgb = raw.convert("RGB")
    t = thumb(facts)
    assert (t.width >= t.height) == (size[0] >= size[1])
    d = diff(t, upright)
    assert d < 4
    if raw_rgb.size == upright.size:  # the untransformed pixels must not match
        assert diff(raw_rgb, upright) > 3 * d + 2


def test_heic_is_rotated_once_by_pillow_heif() -> None:
    facts = process_image(IPHONE_HEIC)
    assert (facts.format, facts.width, facts.height) == ("HEIF", 3024, 4032)
    assert facts.orientation == 6  # applied by the decoder, reported, not applied again
    t = thumb(facts)
    assert t.height > t.width
    import pillow_heif

    reference = pillow_heif.open_heif(IPHONE_HEIC).to_pillow()  # upright per pillow-heif
    assert reference.size == (3024, 4032)
    assert diff(t, reference) < 4


# --- sniffing -------------------------------------------------------------------------------

FAMILY_BY_SUFFIX = {
    ".jpg": "JPEG",
    ".mpo": "JPEG",
    ".png": "PNG",
    ".apng": "PNG",
    ".gif": "GIF",
    ".webp": "WEBP",
    ".tif": "TIFF",
    ".tiff": "TIFF",
    ".bmp": "BMP",
    ".heic": "HEIF",
    ".heif": "HEIF",
    ".hif": "HEIF",
    ".avif": "AVIF",
    ".avifs": "AVIF",
}
SNIFF_EXCEPTIONS = {"pngtest_bad.png.bin": None, "empty.heic": None}


@pytest.mark.parametrize("path", corpus_images(BAD) + corpus_images(PHOTOS), ids=lambda p: p.name)
def test_sniff_corpus(path: Path) -> None:
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    expected = SNIFF_EXCEPTIONS.get(path.name, FAMILY_BY_SUFFIX.get(path.suffix.lower()))
    assert sniff_format(head) == expected


def test_sniff_synthetic() -> None:
    assert sniff_format((CORPUS / "README.md").read_bytes()[:SNIFF_BYTES]) is None
    assert sniff_format(b"") is None
    assert sniff_format(b"RIFF\x00\x00\x00\x00WAVEfmt ") is None
    assert sniff_format(b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2") is None  # MP4
    assert sniff_format(b"\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00mif1avifmiaf") == "AVIF"
    assert sniff_format(b"\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00mif1heicmiaf") == "HEIF"
    assert sniff_format(b"\x00\x00\x00\x14ftypmsf1\x00\x00\x00\x00msf1") == "HEIF"
    assert sniff_format(b"GIF87a\x01\x00\x01\x00") == "GIF"
    assert sniff_format(b"MM\x00*\x00\x00\x00\x08") == "TIFF"


# --- synthetic files and OS errors ----------------------------------------------------------


def test_missing_empty_random_text(tmp_path: Path) -> None:
    expect_error(tmp_path / "gone.jpg", "source_missing")
    (tmp_path / "zero.jpg").write_bytes(b"")
    expect_error(tmp_path / "zero.jpg", "empty_file")
    (tmp_path / "noise.jpg").write_bytes(random.Random(20240601).randbytes(64 * 1024))
    expect_error(tmp_path / "noise.jpg", "not_an_image")
    (tmp_path / "notes.png").write_text("Kitchen, 3 chairs, 1 table.\n" * 20)
    expect_error(tmp_path / "notes.png", "not_an_image")
    expect_error(tmp_path, "not_an_image")  # a folder


@pytest.mark.parametrize("fmt,suffix", [("PCX", ".pcx"), ("ICO", ".ico"), ("TGA", ".jpg")])
def test_formats_pillow_reads_but_we_do_not_accept(tmp_path: Path, fmt: str, suffix: str) -> None:
    path = tmp_path / f"picture{suffix}"
    Image.open(ROOMS / "mock-home-1.jpg").resize((128, 77)).save(path, fmt)
    err = expect_error(path, "unsupported")
    assert fmt in err.message


@pytest.mark.parametrize(
    "exc,code,transient",
    [
        (PermissionError(errno.EACCES, "Permission denied"), "unreadable", False),
        (FileNotFoundError(errno.ENOENT, "No such file"), "source_missing", False),
        (OSError(errno.EIO, "Input/output error"), "io_error", True),
        (OSError(errno.EAGAIN, "Resource temporarily unavailable"), "io_error", True),
        (OSError(errno.ETIMEDOUT, "Connection timed out"), "io_error", True),
        (OSError(errno.ENAMETOOLONG, "File name too long"), "unreadable", False),
    ],
)
def test_os_errors(
    monkeypatch: pytest.MonkeyPatch, exc: OSError, code: str, transient: bool
) -> None:
    def failing_open(*args, **kwargs):
        raise exc

    monkeypatch.setattr(imaging, "open", failing_open, raising=False)
    err = expect_error(ROOMS / "mock-home-1.jpg", code)
    assert err.transient is transient


# --- hashes and quality flags ---------------------------------------------------------------


def test_hamming() -> None:
    assert hamming(0, 0) == 0
    assert hamming(0b1011, 0b0001) == 2
    assert hamming(0, 2**64 - 1) == 64


def test_phash_near_duplicates(tmp_path: Path) -> None:
    original = ROOMS / "mock-home-3.jpg"
    base = process_image(original)
    copy = tmp_path / "copy.jpg"
    copy.write_bytes(original.read_bytes())
    assert hamming(base.phash, process_image(copy).phash) == 0
    assert hamming(base.phash, process_image(original).phash) == 0
    with Image.open(original) as im:
        im.save(tmp_path / "q40.jpg", quality=40)
        im.resize((1200, 800), Image.Resampling.LANCZOS).save(tmp_path / "small.jpg", quality=75)
        im.save(tmp_path / "same.png")
    for name in ("q40.jpg", "small.jpg", "same.png"):
        assert hamming(base.phash, process_image(tmp_path / name).phash) <= NEAR_DUPLICATE_DISTANCE


def test_phash_different_photos() -> None:
    photos = [
        ROOMS / "mock-home-1.jpg",
        ROOMS / "mock-home-2.jpg",
        ROOMS / "mock-home-3.jpg",
        IPHONE_HEIC,
        IANARE / "jpg" / "tests" / "42_IndexError.jpg",
        RECURSER / "Landscape_1.jpg",
        RECURSER / "Portrait_1.jpg",
    ]
    hashes = [process_image(p).phash for p in photos]
    for i, a in enumerate(hashes):
        for b in hashes[i + 1 :]:
            assert hamming(a, b) > NEAR_DUPLICATE_DISTANCE


def test_blurry_and_too_dark(tmp_path: Path) -> None:
    original = ROOMS / "mock-home-3.jpg"  # 1600x1067 bedroom
    facts = process_image(original)
    assert not facts.blurry and not facts.too_dark
    with Image.open(original) as im:
        im.filter(ImageFilter.GaussianBlur(16)).save(tmp_path / "blurred.jpg", quality=90)
        ImageEnhance.Brightness(im).enhance(0.05).save(tmp_path / "dark.jpg", quality=90)
    blurred = process_image(tmp_path / "blurred.jpg")
    assert blurred.blurry and not blurred.too_dark
    assert blurred.sharpness < facts.sharpness / 10
    dark = process_image(tmp_path / "dark.jpg")
    assert dark.too_dark
    assert dark.brightness < facts.brightness / 10


# --- concurrency and import hygiene ---------------------------------------------------------


def test_concurrent_calls_match_sequential() -> None:
    paths = [*corpus_images(ROOMS), IPHONE_HEIC, *sorted(RECURSER.glob("Landscape_*.jpg"))]
    sequential = [process_image(p) for p in paths]
    with ThreadPoolExecutor(max_workers=6) as pool:
        parallel = list(pool.map(process_image, paths * 2))
    assert parallel == sequential * 2


def test_import_has_no_side_effects() -> None:
    code = (
        "import sys; import desktopapp.core.imaging as m; from PIL import Image;"
        "assert 'pillow_heif' not in sys.modules, 'pillow_heif imported';"
        "assert 'HEIF' not in Image.OPEN, 'HEIF opener registered'"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)
