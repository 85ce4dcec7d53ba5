"""The PDF report of a corrected batch made by a real core: build time and size at 1,000 photos.

    python -m bench.report_pdf [--photos 1000] [--rooms 12] [--sample DIR]

A real `Core` (analyzer "names": rooms from the folders, no detector) takes `--photos`
generated JPEGs (tests.helpers.make_photo, 640 × 480) spread over `--rooms` room folders
(Salon/, Cuisine/, Chambre/, … "Salon 2/" when the names run out), plus one cut-off file
that fails. Then, as a mover would, through `core.correct`: a name and a move header for
the batch, four items added by hand in every room (one customer-packed, one sold), an
item of the user's own, 2 % of the photos excluded. The report is then rendered from
`core.snapshot` in French and in English, thumbnails from the core's own files.
Targets: ≤ 10 s and ≤ 10 MB per report.

`--sample DIR` writes instead the small three-room corrected batch of `sample_batch` (the
one tests/test_report.py checks, and the README's pictures) as DIR/report-fr.pdf and
DIR/report-en.pdf.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import save, table
from tests.helpers import make_photo

FOLDERS = ["Salon", "Cuisine", "Chambre", "Bureau", "Entrée", "Garage", "Cave", "Grenier"]
FOLDER_TYPES = {
    "Salon": "living_room",
    "Cuisine": "kitchen",
    "Chambre": "bedroom",
    "Bureau": "office",
    "Entrée": "hall",
    "Garage": "garage",
    "Cave": "cellar",
    "Grenier": "attic",
}
HEADER = {
    "customer": "Mme <b>x</b> Dupont",
    "fromAddress": "12 rue Pasteur, 69007 Lyon",
    "toAddress": "3 avenue Foch, 75016 Paris",
    "date": "2025-07-14",
    "fromFloor": "3",
    "fromLift": False,
    "toFloor": "RDC",
    "toLift": True,
    "notes": "Piano : prévoir 3 porteurs.\nAccès par la cour, code 1234.",
}
NAME = "Dupont <b>x</b> : Lyon → Paris"
CUSTOM = {"name": "<b>x</b> Horloge de famille", "volume_m3": 0.5}


def core_for(data_dir: Path, workers: int | None = None) -> Any:
    from desktopapp.core.services import Core
    from desktopapp.platform.settings import Settings

    extra = {"workers": workers} if workers else {}
    return Core(Settings(data_dir=data_dir, analyzer="names", **extra))


def processed(core: Any, folder: Path, project: str) -> int:
    """A batch of everything in `folder`, processed to the end; its id."""
    from tests.conftest import wait_until_final

    core.start()
    batch_id = core.create_batch([folder], project=project).batch_id
    wait_until_final(core, batch_id, timeout=600)
    return batch_id


def photo_ids(core: Any, batch_id: int) -> dict[str, int]:
    return {photo["fileName"]: photo["id"] for photo in core.snapshot(batch_id)["photos"]}


def room(name: str) -> dict[str, Any]:
    return {"roomType": FOLDER_TYPES[name.split(" ")[0]], "roomName": name}


def sample_batch(core: Any, root: Path) -> int:
    """Three rooms as a mover corrects them: Salon (3 photos, one excluded), Cuisine (2, and
    a bedroom photo moved in), Chambre (its last photo excluded: only items added by hand),
    one photo that fails. The items (the "names" analyzer sees none) are added by hand:

    Salon: sofa 1, coffee table 1, armchairs 2, vase 1 (fragile), books 6 packed by the
        customer, "<b>x</b> Horloge de famille" 1 (0.5 m³, the user's own)
    Cuisine: refrigerator 1 (sold), dining table 1, chairs 4, clock 1 (fragile)
    Chambre: double bed 1, wardrobe 1, cushions 4, mirror 1 (stays)
    """
    folder = root / "Maison"
    for index, name in enumerate(("Salon", "Cuisine", "Chambre")):
        for number in range(3 if name == "Salon" else 2):
            make_photo(folder / name / f"{name.lower()}-{number}.jpg", 100 + 10 * index + number)
    cut = make_photo(root / "whole.jpg", 7, size=(640, 480)).read_bytes()
    (folder / "photo-coupee.jpg").write_bytes(cut[: len(cut) // 3])
    batch_id = processed(core, folder, "Dupont")
    ids = photo_ids(core, batch_id)
    salon, cuisine, chambre = room("Salon"), room("Cuisine"), room("Chambre")
    corrections: list[tuple[str, dict[str, Any]]] = [
        ("batch.rename", {"name": NAME}),
        ("batch.header", HEADER),
        ("photo.item", {"photoId": ids["salon-0.jpg"], "label": "sofa", "quantity": 1}),
        ("photo.item", {"photoId": ids["salon-0.jpg"], "label": "coffee_table", "quantity": 1}),
        ("photo.item", {"photoId": ids["salon-1.jpg"], "label": "armchair", "quantity": 2}),
        ("photo.item", {"photoId": ids["salon-1.jpg"], "label": "vase", "quantity": 1}),
        ("photo.exclude", {"photoIds": [ids["salon-2.jpg"]], "excluded": True}),
        ("room.item", {"room": salon, "label": "book_stack", "quantity": 6}),
        ("room.flags", {"room": salon, "label": "book_stack", "packedBy": "customer"}),
        ("room.item", {"room": salon, **CUSTOM, "quantity": 1}),
        ("photo.item", {"photoId": ids["cuisine-0.jpg"], "label": "refrigerator", "quantity": 1}),
        ("photo.item", {"photoId": ids["cuisine-0.jpg"], "label": "dining_table", "quantity": 1}),
        ("photo.item", {"photoId": ids["cuisine-1.jpg"], "label": "chair", "quantity": 4}),
        ("room.item", {"room": cuisine, "label": "clock", "quantity": 1}),
        ("room.flags", {"room": cuisine, "label": "refrigerator", "notMoving": "sold"}),
        ("room.item", {"room": chambre, "label": "bed", "quantity": 1}),
        ("room.item", {"room": chambre, "label": "wardrobe", "quantity": 1}),
        ("room.item", {"room": chambre, "label": "cushions_pillows", "quantity": 4}),
        ("room.item", {"room": chambre, "label": "mirror", "quantity": 1}),
        ("room.flags", {"room": chambre, "label": "mirror", "notMoving": "stays"}),
        ("photo.room", {"photoIds": [ids["chambre-1.jpg"]], **cuisine}),
        ("photo.exclude", {"photoIds": [ids["chambre-0.jpg"]], "excluded": True}),
    ]
    for kind, fields in corrections:
        core.correct(batch_id, kind, fields)
    return batch_id


def big_batch(core: Any, root: Path, photos: int, rooms: int) -> int:
    """`photos` photos over `rooms` folders, one failing; corrected as the module says."""
    folder = root / "Grande maison"
    names = [
        FOLDERS[index % len(FOLDERS)] + (f" {index // len(FOLDERS) + 1}" if index >= 8 else "")
        for index in range(rooms)
    ]
    for index in range(photos - 1):
        name = names[index % rooms]
        make_photo(folder / name / f"photo-{index:04d}.jpg", index, size=(640, 480))
    cut = make_photo(root / "whole.jpg", 7, size=(640, 480)).read_bytes()
    (folder / "photo-coupee.jpg").write_bytes(cut[: len(cut) // 3])
    batch_id = processed(core, folder, "Grande maison")
    core.correct(batch_id, "batch.rename", {"name": NAME})
    core.correct(batch_id, "batch.header", HEADER)
    for name in names:
        where = room(name)
        for label, quantity in (("sofa", 1), ("chair", 6), ("book_stack", 10), ("tv", 1)):
            core.correct(
                batch_id, "room.item", {"room": where, "label": label, "quantity": quantity}
            )
        core.correct(
            batch_id, "room.flags", {"room": where, "label": "book_stack", "packedBy": "customer"}
        )
        core.correct(batch_id, "room.flags", {"room": where, "label": "tv", "notMoving": "sold"})
    core.correct(batch_id, "room.item", {"room": room(names[0]), **CUSTOM, "quantity": 2})
    ids = sorted(photo_ids(core, batch_id).values())
    core.correct(batch_id, "photo.exclude", {"photoIds": ids[::50], "excluded": True})
    return batch_id


def render(core: Any, batch_id: int, lang: str) -> tuple[bytes, float]:
    """The report as the server makes it (snapshot, then the PDF); the time both took."""
    from desktopapp.report.pdf import render_pdf
    from desktopapp.server.queries import thumbnail

    def thumbnails(photo_id: int) -> Path | None:
        found = thumbnail(core.paths, photo_id)
        return found.path if found is not None else None

    started = time.perf_counter()
    data = render_pdf(core.snapshot(batch_id), thumbnails, lang)
    return data, time.perf_counter() - started


def pages(data: bytes) -> int:
    import io

    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)


def write_sample(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        core = core_for(Path(folder) / "data", workers=2)
        try:
            batch_id = sample_batch(core, Path(folder))
            for lang in ("fr", "en"):
                data, _seconds = render(core, batch_id, lang)
                (out / f"report-{lang}.pdf").write_bytes(data)
                print(f"wrote {out / f'report-{lang}.pdf'} ({pages(data)} pages)")
        finally:
            core.stop(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--photos", type=int, default=1000)
    parser.add_argument("--rooms", type=int, default=12)
    parser.add_argument("--sample", type=Path, help="write the three-room sample PDFs here")
    args = parser.parse_args()
    if args.sample:
        write_sample(args.sample)
        return
    with tempfile.TemporaryDirectory() as folder:
        core = core_for(Path(folder) / "data")
        try:
            started = time.perf_counter()
            batch_id = big_batch(core, Path(folder), args.photos, args.rooms)
            prepared = time.perf_counter() - started
            summary = core.snapshot(batch_id)["inventorySummary"]
            results, rows = {}, []
            for lang in ("fr", "en"):
                data, seconds = render(core, batch_id, lang)
                count = pages(data)
                results[lang] = {"seconds": round(seconds, 3), "bytes": len(data), "pages": count}
                ok = "yes" if seconds <= 10 and len(data) <= 10 * 1024 * 1024 else "NO"
                rows.append((lang, f"{seconds:.2f} s", f"{len(data) / 1e6:.2f} MB", count, ok))
        finally:
            core.stop(timeout=60)
    print(
        f"PDF report of a corrected batch: {args.photos} photos, {args.rooms} rooms, "
        f"{summary['totalItems']} items, {summary['handAddedItems']} added by hand "
        f"(batch made and processed in {prepared:.1f} s)"
    )
    print(table(rows, ("lang", "snapshot + PDF", "size", "pages", "≤ 10 s, ≤ 10 MB")))
    saved = save("report_pdf", {"photos": args.photos, "rooms": args.rooms, **results})
    print(f"saved {saved}")


if __name__ == "__main__":
    main()
