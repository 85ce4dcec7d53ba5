"""The item catalogue: what PhotoLot can list, with names, unit volumes and mover's flags.

Data, not code: `resources/inventory/catalogue.json` (its `volumePolicy` says where each
volume comes from). A user may override unit volumes in `<data-dir>/volumes.json`, a plain
object `{"sofa": 2.0, "bed": 1.4}` (m³ per unit). Both are validated at load: an unknown key,
a negative or non-numeric volume or a malformed entry is a `CatalogueError` naming the file.
"""

from __future__ import annotations

import json
import math
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

CATALOGUE_FILE = Path("inventory") / "catalogue.json"  # below resources/
OVERRIDES_FILE = "volumes.json"  # in the data directory

_REQUIRED = {
    "key": str,
    "en": str,
    "fr": str,
    "volume_m3": (int, float),
    "volumeSource": str,
    "fragile": bool,
    "dismountable": bool,
    "builtIn": bool,
    "detector": list,
}


class CatalogueError(ValueError):
    """The catalogue or an override file is unusable; the message names the file."""


@dataclass(frozen=True)
class CatalogueItem:
    key: str
    en: str
    fr: str
    volume_m3: float
    volume_source: str
    fragile: bool
    dismountable: bool
    built_in: bool
    detector: tuple[str, ...] = ()
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def name(self, language: str) -> str:
        return self.fr if language == "fr" else self.en


@dataclass(frozen=True)
class Catalogue:
    items: Mapping[str, CatalogueItem]
    version: int = 1
    volume_policy: str = ""
    overridden: frozenset[str] = frozenset()  # keys whose volume the user's file set

    def __contains__(self, key: object) -> bool:
        return key in self.items

    def __iter__(self) -> Iterator[CatalogueItem]:
        return iter(self.items.values())

    def __len__(self) -> int:
        return len(self.items)

    def get(self, key: str) -> CatalogueItem | None:
        return self.items.get(key)

    def for_detector_class(self) -> dict[str, str]:
        """Detector class name ("couch") → catalogue key ("sofa")."""
        return {cls: item.key for item in self for cls in item.detector}

    def search(self, text: str, limit: int = 20) -> list[CatalogueItem]:
        """Items whose key, names or aliases (FR or EN, accents ignored) contain `text`."""
        needle = _fold(text)
        if not needle:
            return []
        scored = []
        for item in self:
            words = [item.key.replace("_", " "), item.en, item.fr]
            words += [alias for names in item.aliases.values() for alias in names]
            folded = [_fold(word) for word in words]
            if any(word.startswith(needle) for word in folded):
                scored.append((0, item.en, item))
            elif any(needle in word for word in folded):
                scored.append((1, item.en, item))
        return [item for _, _, item in sorted(scored, key=lambda s: s[:2])[:limit]]

    def with_volumes(self, volumes: Mapping[str, float]) -> Catalogue:
        items = dict(self.items)
        for key, volume in volumes.items():
            items[key] = replace(items[key], volume_m3=volume, volume_source="user override")
        return replace(self, items=items, overridden=self.overridden | frozenset(volumes))


def fold_text(text: str) -> str:
    """Accents and case away, for matching names ("Évier" → "evier")."""
    return _fold(text)


def _fold(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in folded if not unicodedata.combining(ch)).lower().strip()


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))  # Notepad may add a BOM
    except FileNotFoundError as exc:
        raise CatalogueError(f"{path}: file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogueError(f"{path}: cannot be read ({exc})") from exc
    except json.JSONDecodeError as exc:
        raise CatalogueError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from exc


def _volume(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise CatalogueError(f"{where}: the volume must be a number of m³, not {value!r}")
    if value < 0:
        raise CatalogueError(f"{where}: the volume cannot be negative ({value})")
    return float(value)


def _item(entry: object, path: Path, index: int) -> CatalogueItem:
    if not isinstance(entry, dict):
        raise CatalogueError(f"{path}: item {index} is not an object")
    where = f"{path}: item {index} ({entry.get('key', '?')!s})"
    for name, kind in _REQUIRED.items():
        if name not in entry:
            raise CatalogueError(f"{where}: missing field {name!r}")
        value = entry[name]
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise CatalogueError(f"{where}: field {name!r} has the wrong type ({value!r})")
    unknown = set(entry) - set(_REQUIRED) - {"aliases"}
    if unknown:
        raise CatalogueError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    key = entry["key"]
    if not key or not key.isascii() or not key.replace("_", "").isalnum() or key != key.lower():
        raise CatalogueError(f"{where}: keys are lower-case snake_case ASCII, not {key!r}")
    if not all(isinstance(cls, str) and cls for cls in entry["detector"]):
        raise CatalogueError(f"{where}: 'detector' lists class names (strings)")
    aliases = entry.get("aliases") or {}
    if not isinstance(aliases, dict) or not all(
        isinstance(words, list) and all(isinstance(w, str) for w in words)
        for words in aliases.values()
    ):
        raise CatalogueError(f"{where}: 'aliases' maps a language to a list of words")
    return CatalogueItem(
        key=key,
        en=entry["en"],
        fr=entry["fr"],
        volume_m3=_volume(entry["volume_m3"], where),
        volume_source=entry["volumeSource"],
        fragile=entry["fragile"],
        dismountable=entry["dismountable"],
        built_in=entry["builtIn"],
        detector=tuple(entry["detector"]),
        aliases={lang: tuple(words) for lang, words in aliases.items()},
    )


def parse_catalogue(data: object, path: Path) -> Catalogue:
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise CatalogueError(f"{path}: expected an object with an 'items' list")
    items: dict[str, CatalogueItem] = {}
    owners: dict[str, str] = {}
    for index, entry in enumerate(data["items"], 1):
        item = _item(entry, path, index)
        if item.key in items:
            raise CatalogueError(f"{path}: key {item.key!r} appears twice")
        for cls in item.detector:
            if cls in owners:
                raise CatalogueError(
                    f"{path}: detector class {cls!r} maps to both {owners[cls]!r} and {item.key!r}"
                )
            owners[cls] = item.key
        items[item.key] = item
    if not items:
        raise CatalogueError(f"{path}: the catalogue lists no item")
    return Catalogue(
        items=items, version=int(data.get("version", 1)), volume_policy=data.get("volumePolicy", "")
    )


def parse_overrides(data: object, path: Path, catalogue: Catalogue) -> dict[str, float]:
    if not isinstance(data, dict):
        raise CatalogueError(f'{path}: expected an object such as {{"sofa": 2.0}}')
    unknown = sorted(key for key in data if key not in catalogue)
    if unknown:
        raise CatalogueError(f"{path}: unknown item key(s): {', '.join(map(str, unknown))}")
    return {key: _volume(value, f"{path}: {key}") for key, value in data.items()}


def load_catalogue(path: Path, overrides: Path | None = None) -> Catalogue:
    """The catalogue at `path`, with the user's volumes from `overrides` if that file exists."""
    catalogue = parse_catalogue(_read_json(path), path)
    if overrides is not None and overrides.exists():
        catalogue = catalogue.with_volumes(
            parse_overrides(_read_json(overrides), overrides, catalogue)
        )
    return catalogue
