"""The PDF report for a 1,000-photo batch: time to render and size of the file.

    python -m bench.report [--photos 1000] [--rooms 100]

Two synthetic batches, built as `state.snapshot` shapes them (catalogue items, 5 % failed
photos), rendered by `desktopapp.report.render_pdf` in French:
- "same thumbnail": every photo shows one real 320 px thumbnail (the test's case);
- "distinct thumbnails": every photo has its own 320 × 240 thumbnail (noise: JPEG's worst
  case) and each room has at most 8 photos, so every one of them is drawn.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from PIL import Image

from bench.common import save, table
from desktopapp.report.pdf import render_pdf

ITEMS = [  # (key, fr, en, unit m³, fragile, dismountable, built-in)
    ("sofa", "Canapé", "Sofa", 1.416, False, False, False),
    ("chair", "Chaise", "Chair", 0.142, False, True, False),
    ("bed", "Lit double complet", "Double bed (complete)", 1.699, False, True, False),
    ("vase", "Vase", "Vase", 0.028, True, False, False),
    ("book_stack", "Pile de livres", "Stack of books", 0.057, False, False, False),
    ("sink", "Évier / lavabo", "Sink", 0.0, False, False, True),
]
ROOM_TYPES = ["living_room", "bedroom", "kitchen", "bathroom", "dining_room", "office"]


def synthetic_snapshot(photos: int = 1000, rooms: int = 100, seed: int = 1) -> dict[str, Any]:
    """A final batch of `photos` photos (5 % failed) over `rooms` named rooms."""
    rng = random.Random(seed)
    photo_rows: list[dict[str, Any]] = []
    room_rows: list[dict[str, Any]] = []
    failed = photos // 20
    done = photos - failed
    for index in range(photos):
        room = index % rooms
        ok = index < done
        photo_rows.append(
            {
                "id": index + 1,
                "fileName": f"photo-{index:04d}.jpg",
                "status": "DONE" if ok else "ERROR",
                "roomType": ROOM_TYPES[room % len(ROOM_TYPES)] if ok else None,
                "roomName": f"Pièce {room + 1}" if ok else None,
                "errorCode": None if ok else "truncated",
                "errorMessage": None
                if ok
                else "The picture file is incomplete; it may have been cut off while copying.",
            }
        )
    for room in range(min(rooms, done)):
        lines = []
        for key, fr, en, unit, fragile, dismountable, built_in in rng.sample(ITEMS, 5):
            quantity = rng.randint(1, 4)
            moving = 0 if built_in else quantity
            factor = 2.0 if fragile else (1.1 if unit <= 0.06 else 1.05)
            factor *= 0.7 if dismountable else 1.0
            lines.append(
                {
                    "label": key,
                    "fr": fr,
                    "en": en,
                    "quantity": quantity,
                    "unitVolume_m3": unit,
                    "volume_m3": round(unit * moving, 3),
                    "packedVolume_m3": round(unit * moving * factor, 3),
                    "fragile": fragile,
                    "dismountable": dismountable,
                    "builtIn": built_in,
                    "photoId": room + 1,
                }
            )
        moving = [line for line in lines if not line["builtIn"]]
        room_rows.append(
            {
                "roomType": ROOM_TYPES[room % len(ROOM_TYPES)],
                "roomName": f"Pièce {room + 1}",
                "photos": sum(1 for p in photo_rows if p["roomName"] == f"Pièce {room + 1}"),
                "itemsCount": sum(line["quantity"] for line in moving),
                "volume_m3": round(sum(line["volume_m3"] for line in moving), 3),
                "packedVolume_m3": round(sum(line["packedVolume_m3"] for line in moving), 3),
                "items": lines,
            }
        )
    return {
        "batchId": 1,
        "status": "PARTIAL",
        "project": "Synthétique",
        "createdAt": 1_780_000_000.0,
        "counts": {"total": photos, "completed": done, "failed": failed},
        "photos": photo_rows,
        "inventorySummary": {
            "totalItems": sum(room["itemsCount"] for room in room_rows),
            "totalVolume": round(sum(room["volume_m3"] for room in room_rows), 3),
            "totalPackedVolume": round(sum(room["packedVolume_m3"] for room in room_rows), 3),
            "rooms": room_rows,
            "analyzer": "synthetic",
        },
    }


def noise_thumbnail(path: Path, seed: int) -> Path:
    Image.effect_noise((320, 240), 40 + seed % 60).convert("RGB").save(path, quality=85)
    return path


def measure(snapshot: dict[str, Any], thumbnails: Any) -> tuple[float, int, int]:
    started = time.perf_counter()
    data = render_pdf(snapshot, thumbnails, "fr")
    elapsed = time.perf_counter() - started
    return elapsed, len(data), data.count(b"/Type /Page\n") or data.count(b"/Type /Page")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--photos", type=int, default=1000)
    parser.add_argument("--rooms", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        one = noise_thumbnail(root / "one.jpg", 0)
        rows = []
        same = synthetic_snapshot(args.photos, args.rooms)
        seconds, size, _ = measure(same, lambda _photo_id: one)
        rows.append(("same thumbnail", args.rooms, f"{seconds:.2f} s", f"{size / 1e6:.2f} MB"))
        distinct_rooms = -(-args.photos // 8)
        distinct = synthetic_snapshot(args.photos, distinct_rooms)
        paths = {
            photo["id"]: noise_thumbnail(root / f"{photo['id']}.jpg", photo["id"])
            for photo in distinct["photos"]
        }
        seconds2, size2, _ = measure(distinct, paths.get)
        rows.append(
            ("distinct thumbnails", distinct_rooms, f"{seconds2:.2f} s", f"{size2 / 1e6:.2f} MB")
        )
    print(f"PDF report, {args.photos} photos (French)")
    print(table(rows, ("case", "rooms", "render", "size")))
    saved = save(
        "report",
        {
            "photos": args.photos,
            "same_thumbnail": {"seconds": seconds, "bytes": size},
            "distinct_thumbnails": {"seconds": seconds2, "bytes": size2},
        },
    )
    print(f"saved {saved}")


if __name__ == "__main__":
    main()
