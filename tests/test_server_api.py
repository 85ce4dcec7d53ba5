"""The JSON API on a real core: every endpoint, its answers and its error statuses."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import aiohttp

from desktopapp import __version__
from desktopapp.server import Limits
from desktopapp.server.queries import PREVIEW_SIDE
from tests.conftest import wait_until_final
from tests.helpers import make_photo, make_photos

pytest_plugins = ["tests.test_server_support"]


def error_of(body: dict) -> dict:
    assert set(body) == {"error"}, body
    assert body["error"]["code"] and body["error"]["message"], body
    return body["error"]


async def test_health(harness) -> None:
    response = await harness.get("/api/health", auth=False)
    assert response.status == 200
    assert await response.json() == {"status": "ok", "version": __version__}
    assert response.headers["Cache-Control"] == "no-store"


async def test_create_list_get_retry(harness, photos: list[Path]) -> None:
    response = await harness.post(
        "/api/batches", json={"paths": [str(p) for p in photos[:3]], "project": "Rue Pasteur"}
    )
    assert response.status == 201
    created = await response.json()
    assert created == {
        "batchId": created["batchId"],
        "photosCount": 3,
        "skipped": [],
        "notices": [],
    }
    batch_id = created["batchId"]
    assert response.headers["Location"] == f"/api/batches/{batch_id}"
    second = await harness.create_batch(photos[3:])

    listing = await (await harness.get("/api/batches")).json()
    assert [b["batchId"] for b in listing["batches"]] == [second, batch_id]
    assert listing["batches"][1]["status"] == "QUEUED"
    assert listing["batches"][1]["counts"]["total"] == 3

    state = await (await harness.get(f"/api/batches/{batch_id}")).json()
    assert state == harness.core.snapshot(batch_id)
    assert state["project"] == "Rue Pasteur"

    response = await harness.post(f"/api/batches/{batch_id}/retry-failed")
    assert response.status == 200
    assert await response.json() == {"requeued": 0, "notRetried": []}


async def test_retry_failed_requeues_errors(harness, tmp_path: Path) -> None:
    good = make_photo(tmp_path / "good.jpg", 1)
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    batch_id = await harness.create_batch([good, bad])
    harness.core.start()
    final = wait_until_final(harness.core, batch_id)
    assert final["status"] == "PARTIAL"
    response = await harness.post(f"/api/batches/{batch_id}/retry-failed")
    assert await response.json() == {"requeued": 1, "notRetried": []}


async def test_create_skips_are_reported(harness, tmp_path: Path, photos: list[Path]) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "notes.txt").write_text("not a photo")
    make_photo(folder / "room.jpg", 3)
    body = await (await harness.post("/api/batches", json={"paths": [str(folder)]})).json()
    assert body["photosCount"] == 1
    # named from the dropped folder, never by where the server found it
    assert [s["name"] for s in body["skipped"]] == ["drop/notes.txt"]
    assert body["skipped"][0]["reason"].startswith("not_an_image")
    state = await (await harness.get(f"/api/batches/{body['batchId']}")).json()
    assert state["skipped"] == body["skipped"] and str(tmp_path) not in json.dumps(state)


async def test_nothing_to_import_is_422_with_the_skipped_list(harness, tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / "readme.txt").write_text("hello")
    response = await harness.post("/api/batches", json={"paths": [str(folder)]})
    assert response.status == 422
    error = error_of(await response.json())
    assert error["code"] == "nothing_to_import"
    assert error["skipped"][0]["name"].endswith("readme.txt")


async def test_bad_paths_are_400_listing_them(harness, photos: list[Path]) -> None:
    missing = str(photos[0].parent / "nope.jpg")
    response = await harness.post(
        "/api/batches", json={"paths": [str(photos[0]), missing, "relative.jpg", "/dev/null"]}
    )
    assert response.status == 400
    error = error_of(await response.json())
    assert error["code"] == "bad_paths"
    reasons = {entry["path"]: entry["reason"] for entry in error["paths"]}
    assert reasons == {
        missing: "does not exist",
        "relative.jpg": "not an absolute path",
        "/dev/null": "not a regular file or folder (a device, pipe or socket)",
    }
    assert missing in error["message"] and "3 of the paths" in error["message"]


async def test_unreadable_path_is_400(harness, photos: list[Path], monkeypatch) -> None:
    real_access = os.access
    locked = str(photos[0])
    # chmod 0 does not stop root (CI runs as root): deny through access() instead.
    monkeypatch.setattr(os, "access", lambda p, mode: str(p) != locked and real_access(p, mode))
    response = await harness.post("/api/batches", json={"paths": [locked, str(photos[1])]})
    assert response.status == 400
    error = error_of(await response.json())
    assert error["paths"] == [{"path": locked, "reason": "PhotoLot is not allowed to read it"}]


async def test_malformed_json_bodies_are_400(make_harness) -> None:
    harness = await make_harness(limits=Limits(max_paths=3))
    cases = [
        b"{not json",
        b"[1, 2]",
        b'{"paths": []}',
        b'{"paths": "/tmp"}',
        b'{"paths": [1]}',
        b'{"paths": ["/a", "/b", "/c", "/d"]}',
        b'{"paths": ["/tmp"], "project": 5}',
    ]
    for body in cases:
        response = await harness.post(
            "/api/batches", data=body, headers={"Content-Type": "application/json"}
        )
        assert response.status == 400, body
        error_of(await response.json())


async def test_json_body_over_the_limit_is_413(make_harness) -> None:
    harness = await make_harness(limits=Limits(max_json_bytes=1024))
    response = await harness.post("/api/batches", json={"paths": ["/x" * 1000]})
    assert response.status == 413
    assert error_of(await response.json())["code"] == "too_large"


async def test_wrong_content_type_is_415(harness) -> None:
    response = await harness.post(
        "/api/batches", data=b'{"paths": ["/tmp"]}', headers={"Content-Type": "text/plain"}
    )
    assert response.status == 415
    assert error_of(await response.json())["code"] == "unsupported_media_type"
    response = await harness.post(
        "/api/batches/1/retry-failed",
        data=b"x",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status == 415


def upload_form(files: list[tuple[str, bytes]], project: str | None = None) -> aiohttp.FormData:
    form = aiohttp.FormData()
    if project:
        form.add_field("project", project)
    for name, data in files:
        form.add_field("files", data, filename=name, content_type="image/jpeg")
    return form


async def test_an_upload_with_a_duplicate_names_files_never_server_paths(
    harness, photos: list[Path]
) -> None:
    same = photos[0].read_bytes()
    files = [("one.jpg", same), ("two.jpg", same), ("notes.jpg", b"text")]
    response = await harness.post("/api/batches", data=upload_form(files))
    assert response.status == 201, await response.text()
    body = await response.json()
    assert body["skipped"] == [{"name": "two.jpg", "reason": "duplicate: identical to one.jpg"}]
    batch_id = body["batchId"]
    harness.core.start()
    wait_until_final(harness.core, batch_id)
    state_text = await (await harness.get(f"/api/batches/{batch_id}")).text()
    stream = await harness.open_stream(batch_id)
    streamed = [event.data for event in await stream.rest()]
    data_dir = str(harness.core.paths.root)
    for text in (state_text, json.dumps(body), *streamed):
        assert data_dir not in text and "/uploads/" not in text


async def test_multipart_upload_creates_a_batch(harness, photos: list[Path]) -> None:
    files = [
        ("../../etc/passwd.jpg", photos[0].read_bytes()),
        ("Maison/Salon/IMG_1.jpg", photos[1].read_bytes()),  # a folder upload
        ("salon.jpg", photos[2].read_bytes()),
        ("SALON.jpg", photos[3].read_bytes()),
        ("CON.jpg", photos[4].read_bytes()),
        ("/abs/..\\..\\win.jpg", photos[5].read_bytes()),
    ]
    response = await harness.post("/api/batches", data=upload_form(files, "Upload"))
    assert response.status == 201, await response.text()
    body = await response.json()
    assert body["photosCount"] == 6
    batch_id = body["batchId"]
    state = harness.core.snapshot(batch_id)
    assert state["project"] == "Upload"
    names = [photo["fileName"] for photo in state["photos"]]
    assert names == ["passwd.jpg", "IMG_1.jpg", "salon.jpg", "SALON (2).jpg", "_CON.jpg", "win.jpg"]

    uploads = harness.core.paths.uploads
    (folder,) = uploads.iterdir()
    assert folder.stat().st_mode & 0o777 == 0o700
    stored = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    assert stored == sorted(
        [
            "etc/passwd.jpg",
            "Maison/Salon/IMG_1.jpg",
            "salon.jpg",
            "SALON (2).jpg",
            "_CON.jpg",
            "abs/win.jpg",
        ]
    )
    harness.core.start()
    final = wait_until_final(harness.core, batch_id)
    rooms = {photo["fileName"]: photo["roomType"] for photo in final["photos"]}
    assert rooms["IMG_1.jpg"] == rooms["salon.jpg"] == "living_room"
    # once in the content store, the uploaded copies are removed, folders too
    assert final["status"] == "COMPLETED"
    assert harness.core.queue.stop()  # joins the workers: their clean-up has run
    assert list(uploads.iterdir()) == []


async def test_upload_limits_are_413_and_leave_nothing(make_harness, photos: list[Path]) -> None:
    size = photos[0].stat().st_size
    harness = await make_harness(
        limits=Limits(max_upload_file_bytes=size + 10, max_upload_total_bytes=3 * size)
    )
    uploads = harness.core.paths.uploads
    big = photos[0].read_bytes() + b"\0" * 100
    response = await harness.post("/api/batches", data=upload_form([("big.jpg", big)]))
    assert response.status == 413
    assert "big.jpg" in error_of(await response.json())["message"]
    many = [(p.name, p.read_bytes()) for p in photos[:4]]
    response = await harness.post("/api/batches", data=upload_form(many))
    assert response.status == 413
    assert list(uploads.iterdir()) == []


async def test_upload_without_files_is_400(harness) -> None:
    form = aiohttp.FormData()
    form.add_field("project", "x")
    form.add_field("other", b"data", filename="x.bin")
    response = await harness.post("/api/batches", data=form)
    assert response.status == 400
    assert error_of(await response.json())["code"] == "no_files"


async def test_unknown_batch_is_404_everywhere(harness) -> None:
    for method, path in [
        ("GET", "/api/batches/999"),
        ("POST", "/api/batches/999/retry-failed"),
        ("GET", "/api/batches/999/export"),
        ("GET", "/api/batches/999/stream"),
        ("GET", "/api/batches/abc"),
        ("GET", "/api/batches/99999999999999999999999"),
        ("GET", "/api/nothing-here"),
    ]:
        response = await harness.request(method, path)
        assert response.status == 404, path
        assert response.content_type == "application/json"
        error_of(await response.json())


async def test_wrong_method_is_405(harness) -> None:
    response = await harness.request("PUT", "/api/batches/1")
    assert response.status == 405
    assert error_of(await response.json())["code"] == "method_not_allowed"
    response = await harness.request("HEAD", "/api/batches/1/stream")
    assert response.status == 405  # a stream without a body would never end


async def test_thumbnail_etag_304_and_404(harness, photos: list[Path]) -> None:
    batch_id = await harness.create_batch(photos[:1])
    photo_id = harness.core.snapshot(batch_id)["photos"][0]["id"]
    response = await harness.get(f"/api/photos/{photo_id}/thumbnail")
    assert response.status == 404
    assert error_of(await response.json())["code"] == "thumbnail_not_ready"

    harness.core.start()
    wait_until_final(harness.core, batch_id)
    response = await harness.get(f"/api/photos/{photo_id}/thumbnail")
    assert response.status == 200
    assert response.content_type == "image/jpeg"
    body = await response.read()
    assert body[:2] == b"\xff\xd8"
    etag = response.headers["ETag"]
    sha256 = etag.strip('"')
    assert (harness.core.paths.thumbs / f"{sha256}.jpg").read_bytes() == body
    assert response.headers["Cache-Control"] == "private, max-age=31536000, immutable"

    again = await harness.get(
        f"/api/photos/{photo_id}/thumbnail", headers={"If-None-Match": f'"x", {etag}'}
    )
    assert again.status == 304
    assert again.headers["ETag"] == etag
    assert await again.read() == b""

    for path in ["/api/photos/424242/thumbnail", "/api/photos/..%2f..%2ftoken/thumbnail"]:
        response = await harness.get(path)
        assert response.status == 404, path


async def test_preview_is_oriented_cached_and_guarded(harness, corpus: Path) -> None:
    from PIL import Image, ImageChops, ImageStat

    # stored 1800 x 1200 with EXIF orientation 6: a portrait once oriented
    rotated = corpus / "photos" / "recurser__exif-orientation-examples" / "Portrait_6.jpg"
    batch_id = await harness.create_batch([rotated])
    photo_id = harness.core.snapshot(batch_id)["photos"][0]["id"]
    path = f"/api/photos/{photo_id}/preview"
    response = await harness.get(path)
    assert response.status == 404
    assert error_of(await response.json())["code"] == "preview_not_available"

    harness.core.start()
    final = wait_until_final(harness.core, batch_id)
    assert (final["photos"][0]["width"], final["photos"][0]["height"]) == (1200, 1800)
    response = await harness.get(path, auth=False)
    assert response.status == 401

    response = await harness.get(path)
    assert response.status == 200
    assert response.content_type == "image/jpeg"
    assert response.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    body = await response.read()
    preview = Image.open(io.BytesIO(body))
    assert preview.format == "JPEG" and preview.mode == "RGB"
    assert preview.size == (853, 1280)  # longest side 1280, portrait like the photo
    sha256 = response.headers["ETag"].strip('"')
    assert harness.core.paths.preview_path(sha256, PREVIEW_SIDE).read_bytes() == body  # cached

    # the same picture as the thumbnail, the same way up (not merely the same shape)
    thumb_response = await harness.get(f"/api/photos/{photo_id}/thumbnail")
    thumb = Image.open(io.BytesIO(await thumb_response.read())).convert("RGB")
    assert thumb.height > thumb.width
    shrunk = preview.convert("RGB").resize(thumb.size, Image.Resampling.BOX)
    assert max(ImageStat.Stat(ImageChops.difference(shrunk, thumb)).mean) < 8
    upside_down = shrunk.transpose(Image.Transpose.ROTATE_180)
    assert max(ImageStat.Stat(ImageChops.difference(upside_down, thumb)).mean) > 20

    again = await harness.get(path, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status == 304
    assert await again.read() == b""
    # the original gone from the store (and no cached copy): said so, not a server error
    harness.core.paths.preview_path(sha256, PREVIEW_SIDE).unlink()
    (harness.core.paths.store / sha256).unlink()
    response = await harness.get(path)
    assert response.status == 404
    assert error_of(await response.json())["code"] == "preview_not_available"
    for missing in ["/api/photos/424242/preview", "/api/photos/abc/preview"]:
        response = await harness.get(missing)
        assert response.status == 404, missing
        assert error_of(await response.json())["code"] == "photo_not_found"


async def test_preview_keeps_a_small_photo_at_its_size(harness, tmp_path: Path) -> None:
    from PIL import Image

    small = make_photo(tmp_path / "small.jpg", 7, size=(320, 240))
    harness.core.start()
    batch_id = await harness.create_batch([small])
    photo_id = wait_until_final(harness.core, batch_id)["photos"][0]["id"]
    response = await harness.get(f"/api/photos/{photo_id}/preview")
    assert response.status == 200
    assert Image.open(io.BytesIO(await response.read())).size == (320, 240)


async def test_export_csv_for_a_french_spreadsheet(harness, tmp_path: Path) -> None:
    photos = make_photos(tmp_path / "export", 2)
    evil = photos[1].rename(photos[1].with_name("=HYPERLINK(1).jpg"))
    bad = tmp_path / "export" / "-broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff garbage")
    batch_id = await harness.create_batch([photos[0], evil, bad])
    harness.core.start()
    final = wait_until_final(harness.core, batch_id)

    response = await harness.get(f"/api/batches/{batch_id}/export?format=csv")
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response.headers["Content-Disposition"]
        == f'attachment; filename="photolot-batch-{batch_id}.csv"'
    )
    raw = await response.read()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert rows[0][:3] == ["File name", "Status", "Room"]
    names = [row[0] for row in rows[1:4]]
    assert names == [photos[0].name, "'=HYPERLINK(1).jpg", "'-broken.jpg"]
    assert rows[3][1] == "Failed" and rows[3][5]
    first = final["photos"][0]
    assert rows[1][3:5] == [str(first["width"]), str(first["height"])]
    blank = rows.index([])
    assert rows[blank + 1] == ["Room", "Photos", "Items", "Volume (m³)", "Packed volume (m³)"]
    second_blank = rows.index([], blank + 1)
    total = rows[second_blank - 1]
    assert total[0] == "Total" and total[1] == "2"
    summary = final["inventorySummary"]
    assert total[3] == f"{summary['totalVolume']:.3f}".rstrip("0").rstrip(".").replace(".", ",")
    assert rows[second_blank + 1][:4] == ["Room", "Item", "Name", "Quantity"]
    lines = sum(len(room["items"]) for room in summary["rooms"])
    assert len(rows) == second_blank + 2 + lines
    french = await harness.get(f"/api/batches/{batch_id}/export?format=csv&lang=fr")
    rows = list(csv.reader(io.StringIO((await french.read()).decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Fichier", "État", "Pièce"] and rows[3][1] == "Échec"


async def test_export_json_and_bad_format(harness, photos: list[Path]) -> None:
    batch_id = await harness.create_batch(photos[:1])
    response = await harness.get(f"/api/batches/{batch_id}/export?format=json")
    assert response.status == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert json.loads(await response.read()) == harness.core.snapshot(batch_id)
    response = await harness.get(f"/api/batches/{batch_id}/export?format=xlsx")
    assert response.status == 400


async def test_path_imports_of_a_huge_sparse_file_and_a_fifo_fail_alone(harness, tmp_path: Path):
    """From outside, over HTTP: a 64 GiB sparse .jpg is refused without being copied (and
    not again after a restart); a file swapped for a FIFO after intake does not block a
    worker; the good photo is done."""
    good = make_photo(tmp_path / "good.jpg", 1)
    huge = tmp_path / "huge.jpg"
    with open(huge, "wb") as out:
        out.write(good.read_bytes()[:64])
        out.truncate(64 * 1024**3)
    swapped = make_photo(tmp_path / "swapped.jpg", 2)
    batch_id = await harness.create_batch([good, huge, swapped])
    swapped.unlink()
    os.mkfifo(swapped)  # after intake, before a worker reads it
    harness.core.start()
    final = wait_until_final(harness.core, batch_id)
    codes = {p["fileName"]: p["errorCode"] for p in final["photos"]}
    assert codes == {"good.jpg": None, "huge.jpg": "too_large", "swapped.jpg": "source_unreadable"}
    stored = [p for p in harness.core.paths.store.iterdir() if not p.name.startswith(".")]
    assert len(stored) == 1
    # and a retry does not copy the huge one: too_large is not worth a retry
    response = await harness.post(f"/api/batches/{batch_id}/retry-failed")
    body = await response.json()
    assert [p["fileName"] for p in body["notRetried"]] == ["huge.jpg"]
