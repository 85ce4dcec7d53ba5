"""The shared corpus through the whole pipeline: real camera photos and broken files."""

from __future__ import annotations

import csv
import re

import pytest
from PIL import Image, ImageChops, ImageStat

from desktopapp.core.db import Photo
from tests.conftest import photo_files, wait_until_final

# Pillow warns about the broken files it is fed here; the pipeline logs them, they are expected
pytestmark = [
    pytest.mark.filterwarnings("ignore:Tag data larger than file:UserWarning"),
    pytest.mark.filterwarnings("ignore:Image appears to be a malformed MPO:UserWarning"),
    pytest.mark.filterwarnings("ignore:Corrupt EXIF data:UserWarning"),
]

# the stable error code each rejected corpus file must end with
REJECT_CODES = {
    "pillow/broken.png": "corrupt",
    "pillow/broken_data_stream.png": "corrupt",
    "pillow/crash-2020-10-test.tif": "corrupt",
    "pillow/decompression_bomb.gif": "too_large",
    "pillow/pngtest_bad.png.bin": "not_an_image",
    "pillow/reallybig.bmp": "too_large",
    "pillow/shortfile.bmp": "truncated",
    "pillow/tRNS_null_1x1.png": "too_small",
    "pillow/truncated_end_chunk.png": "truncated",
    "pillow/truncated_image.png": "truncated",
    "pillow/truncated_jpeg.jpg": "truncated",
    "pillow/zero_width.gif": "corrupt",
    "pillow_heif/200MP.heic": "too_large",
    "pillow_heif/corrupted.heic": "corrupt",
    "pillow_heif/empty.heic": "empty_file",
}


def test_bad_corpus_ends_as_expectations_say(core, corpus):
    bad = corpus / "bad"
    with open(bad / "expectations.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 30
    result = core.create_batch([bad / row["file"] for row in rows])
    assert result.photos_count == len(rows)  # dropped explicitly: each one is shown
    snap = wait_until_final(core, result.batch_id, timeout=180)
    assert snap["status"] == "PARTIAL"
    by_path = {p.source_path: p for p in Photo.select().where(Photo.batch == result.batch_id)}
    for row in rows:
        photo = by_path[str((bad / row["file"]).resolve())]
        if row["expected"] == "reject":
            assert photo.status == "ERROR", row["file"]
            assert photo.error_code == REJECT_CODES[row["file"]], row["file"]
            # a sentence for a person, not a Python exception
            assert re.match(r"^[A-Z][^\n]{10,}[.)]$", photo.error_message), photo.error_message
            assert "Error" not in photo.error_message and "errno" not in photo.error_message
        else:
            assert photo.status == "DONE", (row["file"], photo.error_message)
            assert photo.width and photo.height
            assert len(photo.phash) == 16


def test_every_real_photo_ends_done(core, corpus):
    files = photo_files(corpus / "photos")
    assert len(files) >= 30
    result = core.create_batch(files)
    snap = wait_until_final(core, result.batch_id, timeout=180)
    not_done = [(p["fileName"], p["errorMessage"]) for p in snap["photos"] if p["status"] != "DONE"]
    assert not_done == []
    assert snap["status"] == "COMPLETED"
    assert snap["counts"]["completed"] == len(files)


def _thumb(core, photo: Photo) -> Image.Image:
    with Image.open(core.paths.thumb_path(photo.sha256)) as im:
        return im.convert("L").resize((90, 60) if im.width > im.height else (60, 90))


def _diff(a: Image.Image, b: Image.Image) -> float:
    return ImageStat.Stat(ImageChops.difference(a, b)).mean[0]


@pytest.mark.parametrize("kind", ["Landscape", "Portrait"])
def test_orientation_sets_come_out_upright(core, corpus, kind):
    folder = corpus / "photos" / "recurser__exif-orientation-examples"
    files = [folder / f"{kind}_{n}.jpg" for n in range(9)]
    result = core.create_batch(files)
    wait_until_final(core, result.batch_id)
    photos = {p.file_name: p for p in Photo.select().where(Photo.batch == result.batch_id)}
    reference = _thumb(core, photos[f"{kind}_1.jpg"])
    upright = (1800, 1200) if kind == "Landscape" else (1200, 1800)
    for n in range(9):
        photo = photos[f"{kind}_{n}.jpg"]
        assert (photo.width, photo.height) == upright, photo.file_name
        thumb = _thumb(core, photo)
        assert thumb.size == reference.size, photo.file_name
        same = _diff(thumb, reference)
        # must look like _1, and clearly unlike _1 turned or mirrored
        wrong = min(
            _diff(thumb, reference.transpose(t))
            for t in (
                Image.Transpose.ROTATE_180,
                Image.Transpose.FLIP_LEFT_RIGHT,
                Image.Transpose.FLIP_TOP_BOTTOM,
            )
        )
        assert same < 8, (photo.file_name, same)
        assert same * 3 < wrong, (photo.file_name, same, wrong)
