"""Intake: files and folders in, one batch with rows, journal events and queued tasks out."""

from __future__ import annotations

import os
import shutil

import pytest

from desktopapp.core import journal, state
from desktopapp.core.db import Photo
from desktopapp.core.intake import NothingToImport
from desktopapp.core.services import Core
from desktopapp.platform.settings import Settings
from tests.helpers import make_photo


@pytest.fixture
def idle_core(data_dir):
    """A core whose workers are not running: what intake queued stays visible."""
    service = Core(Settings(data_dir=data_dir, workers=1))
    yield service
    service.stop()


def reasons(result) -> dict[str, str]:
    return {os.path.basename(s["name"]): s["reason"].split(":")[0] for s in result.skipped}


def test_mixed_folder(idle_core, tmp_path):
    drop = tmp_path / "Maison"
    make_photo(drop / "Salon" / "salon-1.jpg", 1)
    make_photo(drop / "Salon" / "deep" / "er" / "salon-2.jpg", 2)
    make_photo(drop / "Cuisine" / "IMG_0001.dat", 3)  # a JPEG with an odd extension
    shutil.copy(drop / "Salon" / "salon-1.jpg", drop / "Cuisine" / "copy-of-salon.jpg")
    (drop / "notes.txt").write_text("inventaire à faire")
    (drop / "fake.jpg").write_text("not really a jpeg")  # found in a folder: content decides
    make_photo(drop / ".hidden.jpg", 4)
    (drop / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (drop / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0")
    make_photo(drop / ".git" / "x.jpg", 5)
    os.symlink(drop, drop / "Salon" / "loop")  # a symlink loop
    os.symlink(drop / "nowhere.jpg", drop / "broken-link.jpg")
    os.mkfifo(drop / "a-fifo")

    result = idle_core.create_batch([drop], project="Déménagement")

    photos = list(Photo.select().where(Photo.batch == result.batch_id).order_by(Photo.position))
    names = sorted(p.file_name for p in photos)
    assert names == ["IMG_0001.dat", "copy-of-salon.jpg", "salon-2.jpg"]
    assert result.photos_count == 3
    assert reasons(result) == {
        "notes.txt": "not_an_image",
        "fake.jpg": "not_an_image",
        ".hidden.jpg": "hidden",
        ".DS_Store": "hidden",
        "Thumbs.db": "hidden",
        ".git": "hidden",
        "broken-link.jpg": "not_found",
        "a-fifo": "special_file",
        "salon-1.jpg": "duplicate",  # Cuisine/ is walked before Salon/: its copy is kept
    }
    assert result.notices == ["1 identical file(s) in this drop were counted once."]
    # rows, first journal event and queued tasks were committed together
    events = journal.events_after(result.batch_id, 0)
    assert [e.type for e in events] == ["batch.created"]
    assert {p["id"] for p in events[0].payload["photos"]} == {p.id for p in photos}
    assert idle_core.queue.pending_count() == 3
    snap = idle_core.snapshot(result.batch_id)
    assert snap["status"] == "QUEUED" and snap["project"] == "Déménagement"
    assert snap["counts"] == {"queued": 3, "processing": 0, "completed": 0, "failed": 0, "total": 3}


def test_explicit_files_always_become_photos(idle_core, tmp_path):
    photo = make_photo(tmp_path / "chambre.jpg", 1)
    text = tmp_path / "liste.txt"
    text.write_text("not a photo")
    result = idle_core.create_batch([photo, text, photo, tmp_path / "missing.jpg"])
    names = [p.file_name for p in Photo.select().where(Photo.batch == result.batch_id)]
    assert sorted(names) == ["chambre.jpg", "liste.txt"]  # the .txt fails later, visibly
    assert reasons(result) == {"missing.jpg": "not_found"}
    assert result.notices == ["1 identical file(s) in this drop were counted once."]


def test_nothing_to_import(idle_core, tmp_path):
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "only.txt").write_text("x")
    with pytest.raises(NothingToImport) as caught:
        idle_core.create_batch([drop, drop / "ghost"])
    assert {os.path.basename(s["name"]) for s in caught.value.skipped} == {"only.txt", "ghost"}
    assert idle_core.queue.pending_count() == 0


def test_failed_intake_leaves_nothing_behind(idle_core, tmp_path, monkeypatch):
    make_photo(tmp_path / "drop" / "a.jpg", 1)

    def broken_enqueue(photo_ids, tx):
        raise RuntimeError("queue unavailable")

    monkeypatch.setattr(idle_core.queue, "enqueue_many", broken_enqueue)
    with pytest.raises(RuntimeError):
        idle_core.create_batch([tmp_path / "drop"])
    assert Photo.select().count() == 0  # one transaction: all or nothing
    assert state.list_batches() == []
