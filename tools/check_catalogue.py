"""Check resources/inventory/catalogue.json: its shape, and every volume it cites.

Usage: python tools/check_catalogue.py [catalogue.json]

Each `us:`/`fr:` volumeSource names a CSV line (1-based, header = line 1); the volume is
re-derived from that line (US: cubic feet x 0.0283168466, rounded to 3 places; FR: the `vr`
column). Other row references in the text (`room 'item' N cu ft (line L)`,
`seedMeubles 'nom' vr X (line L)`) are checked against their lines too. The CSV paths are
the `sources` entries, relative to the repository root; the label vocabulary is read from
inventory/README.md next to the volumes folder. Exit status 1 on any problem. Stdlib only.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CU_FT_M3 = 0.0283168466

COCO = {
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat",
    "traffic light", "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog",
    "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella",
    "handbag", "tie", "suitcase", "frisbee", "skis", "snowboard", "sports ball", "kite",
    "baseball bat", "baseball glove", "skateboard", "surfboard", "tennis racket", "bottle",
    "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple", "sandwich",
    "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch",
    "potted plant", "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote",
    "keyboard", "cell phone", "microwave", "oven", "toaster", "sink", "refrigerator", "book",
    "clock", "vase", "scissors", "teddy bear", "hair drier", "toothbrush",
}  # fmt: skip

ITEM_FIELDS = {
    "key": str, "en": str, "fr": str, "volume_m3": (int, float), "volumeSource": str,
    "fragile": bool, "dismountable": bool, "builtIn": bool, "detector": list, "aliases": dict,
}  # fmt: skip
US_REF = re.compile(r"(?:us:)?(\w+) '([^']*)' ([0-9.]+) cu ft \(line (\d+)\)")
FR_REF = re.compile(r"(?:fr:)?seedMeubles '([^']*)' vr ([0-9.]+) \(line (\d+)\)")


def csv_line(lines: list[str], number: int) -> list[str] | None:
    """The fields of physical line `number` (1-based), or None past the end."""
    if not 1 < number <= len(lines):
        return None
    return next(csv.reader([lines[number - 1].rstrip("\r")]), [])


def number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def vocabulary(readme: Path) -> list[str]:
    text = readme.read_text(encoding="utf-8")
    match = re.search(r"- Vocabulary:(.*?)(?:\n- |\Z)", text, re.S)
    return [w.strip(" .\n") for w in match.group(1).split(",")] if match else []


def check(catalogue: Path) -> list[str]:
    errors: list[str] = []
    doc = json.loads(catalogue.read_text(encoding="utf-8"))
    if set(doc) != {"version", "volumePolicy", "sources", "items"}:
        errors.append(f"top-level keys: {sorted(doc)}")
    if doc.get("version") != 1:
        errors.append("version must be 1")
    if not isinstance(doc.get("volumePolicy"), str) or not doc["volumePolicy"].strip():
        errors.append("volumePolicy must be a non-empty string")
    sources = doc.get("sources", {})
    paths = {}
    for name in ("us", "fr"):
        path = ROOT / str(sources.get(name, "")).split(" (")[0]
        if not path.is_file():
            return [*errors, f"sources.{name}: {path} not found"]
        paths[name] = path.read_text(encoding="utf-8").split("\n")
    readme = ROOT / sources["us"].split(" (")[0]
    readme = readme.parents[1] / "inventory" / "README.md"

    seen_keys: set[str] = set()
    coco_owner: dict[str, str] = {}
    for index, item in enumerate(doc.get("items", [])):
        if not isinstance(item, dict):
            errors.append(f"item #{index} is not an object")
            continue
        key = item.get("key", f"#{index}")
        where = f"{key}:"
        if set(item) != set(ITEM_FIELDS):
            errors.append(f"{where} fields {sorted(item)}")
            continue
        wrong = [
            f"{where} {field} has type {type(item[field]).__name__}"
            for field, kind in ITEM_FIELDS.items()
            if not isinstance(item[field], kind)
            or (kind is not bool and isinstance(item[field], bool))
        ]
        if wrong:
            errors += wrong
            seen_keys.add(str(key))
            continue
        if not re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", key):
            errors.append(f"{where} key is not snake_case ASCII")
        if key in seen_keys:
            errors.append(f"{where} duplicate key")
        seen_keys.add(key)
        if not item["en"].strip() or not item["fr"].strip():
            errors.append(f"{where} empty name")
        volume = item["volume_m3"]
        if volume < 0 or (volume == 0 and not item["builtIn"]):
            errors.append(f"{where} volume_m3 {volume} (must be > 0, or >= 0 if builtIn)")
        for name in item["detector"]:
            if not isinstance(name, str) or name not in COCO:
                errors.append(f"{where} detector {name!r} is not a COCO class")
            elif name in coco_owner:
                errors.append(f"{where} detector {name!r} already used by {coco_owner[name]}")
            coco_owner.setdefault(name, key)
        aliases = item["aliases"]
        if set(aliases) != {"en", "fr"} or not all(
            isinstance(v, list) and all(isinstance(w, str) and w for w in v)
            for v in aliases.values()
        ):
            errors.append(f"{where} aliases must be {{'en': [str], 'fr': [str]}}")
        errors += [f"{where} {e}" for e in check_source(item, paths)]

    labels = vocabulary(readme) if readme.is_file() else []
    missing = [label for label in labels if label not in seen_keys]
    if not labels:
        errors.append(f"no vocabulary found in {readme}")
    elif missing:
        errors.append(f"vocabulary labels missing: {', '.join(missing)}")
    return errors


def check_source(item: dict, tables: dict[str, list[str]]) -> list[str]:
    source, volume = item["volumeSource"], item["volume_m3"]
    errors = []
    if not source.startswith(("us:", "fr:", "estimate:")):
        return [f"volumeSource must start with us:, fr: or estimate: ({source!r})"]
    for match in US_REF.finditer(source):
        room, name, cubic_feet, line = match.groups()
        row = csv_line(tables["us"], int(line)) or []
        if len(row) < 3 or row[:2] != [room, name] or number(row[2]) != float(cubic_feet):
            errors.append(f"us line {line} is {row[:3]}, cited {match.group(0)}")
        elif match.start() == 0 and round(float(row[2]) * CU_FT_M3, 3) != volume:
            errors.append(f"volume_m3 {volume} != {row[2]} cu ft = {float(row[2]) * CU_FT_M3:.4f}")
    for match in FR_REF.finditer(source):
        name, vr, line = match.groups()
        row = csv_line(tables["fr"], int(line)) or []
        if len(row) < 4 or row[1] != name or number(row[3]) != float(vr):
            errors.append(f"fr line {line} is {row}, cited {match.group(0)}")
        elif match.start() == 0 and float(row[3]) != volume:
            errors.append(f"volume_m3 {volume} != vr {row[3]}")
    first = US_REF if source.startswith("us:") else FR_REF if source.startswith("fr:") else None
    if first and not first.match(source):
        errors.append(f"volumeSource does not start with a row reference: {source!r}")
    return errors


def main() -> int:
    default = ROOT / "resources" / "inventory" / "catalogue.json"
    catalogue = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    errors = check(catalogue)
    for error in errors:
        print(error)
    if not errors:
        items = json.loads(catalogue.read_text(encoding="utf-8"))["items"]
        print(f"ok: {len(items)} items")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
