"""What no photo needs is removed (issue 13.10): uploaded duplicates and non-pictures at
once, and at start-up the store copies, thumbnails and uploads left by failures."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from desktopapp.core.services import Core
from desktopapp.platform.settings import Settings
from tests.conftest import wait_until_final
from tests.helpers import make_photo

pytest_plugins = ["tests.test_server_support"]


def files_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))


async def test_an_uploads_duplicates_and_non_pictures_are_not_kept(harness, tmp_path):
    good = make_photo(tmp_path / "a.jpg", 1).read_bytes()
    form = aiohttp.FormData()
    for name, data in [("one.jpg", good), ("two.jpg", good), ("notes.txt", b"words")]:
        form.add_field("files", data, filename=name, content_type="image/jpeg")
    response = await harness.post("/api/batches", data=form)
    assert response.status == 201, await response.text()
    body = await response.json()
    assert [s["name"] for s in body["skipped"]] == ["two.jpg"]
    uploads = harness.core.paths.uploads
    kept = [p.name for p in files_in(uploads)]
    assert kept == ["notes.txt", "one.jpg"]  # what became photos (named: shown, fails alone)
    harness.core.start()
    final = wait_until_final(harness.core, body["batchId"])
    assert {p["fileName"]: p["errorCode"] for p in final["photos"]} == {
        "one.jpg": None,
        "notes.txt": "not_an_image",
    }
    # stored, or failed for good: no upload copy is needed any more
    assert files_in(uploads) == [] and list(uploads.iterdir()) == []


def test_files_left_by_failures_go_at_the_next_start(tmp_path):
    data = tmp_path / "data"
    drop = tmp_path / "drop"
    make_photo(drop / "ok.jpg", 1)
    broken = drop / "broken.jpg"
    broken.write_bytes((drop / "ok.jpg").read_bytes()[:700])  # a picture, cut: corrupt
    core = Core(Settings(data_dir=data, workers=1, analyzer="names"))
    core.start()
    try:
        snap = wait_until_final(core, core.create_batch([drop]).batch_id)
        codes = {p["fileName"]: p["errorCode"] for p in snap["photos"]}
        assert codes["ok.jpg"] is None and codes["broken.jpg"] in {"corrupt", "truncated"}
        store = core.paths.store
        assert len(files_in(store)) == 2  # the broken one was copied before it failed
        orphan_thumb = core.paths.thumb_path("0" * 64)
        orphan_thumb.write_bytes(b"jpeg of a photo that is gone")
        kept_upload = core.paths.uploads / "abc" / "retry-me.jpg"
        permanent_upload = core.paths.uploads / "abc" / "never.jpg"
        stray_upload = core.paths.uploads / "old" / "stray.jpg"
        for path in (kept_upload, permanent_upload, stray_upload):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"x")
        core.db.execute_sql(
            "UPDATE photo SET source_path = ? WHERE file_name = 'broken.jpg'", (str(kept_upload),)
        )
        never = core.create_batch([drop / "ok.jpg"]).batch_id
        wait_until_final(core, never)
        core.db.execute_sql(
            "UPDATE photo SET source_path = ?, status = 'ERROR', error_code = 'not_an_image' "
            "WHERE batch_id = ?",
            (str(permanent_upload), never),
        )
    finally:
        assert core.stop(timeout=30)
    again = Core(Settings(data_dir=data, workers=1, analyzer="names"))
    again.start()
    try:
        stored = files_in(again.paths.store)
        assert len(stored) == 1  # ok.jpg's; the broken copy is gone
        assert not orphan_thumb.exists()
        assert kept_upload.exists()  # a retryable failure may read it again
        assert not permanent_upload.exists() and not stray_upload.exists()
        assert not stray_upload.parent.exists()
    finally:
        assert again.stop(timeout=30)
