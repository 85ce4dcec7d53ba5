"""What the About dialog lists: the bundled parts and their licences (no Qt here).

Read from the files shipped in `resources/` (the models' PROVENANCE.md and LICENSE
files, the fonts' licence, the samples' SOURCES.txt) and from the installed packages'
metadata (`importlib.metadata`); a frozen binary that carries no metadata falls back
to the licences PhotoLot's own dependencies declared when this file was written.
"""

from __future__ import annotations

import importlib.metadata as metadata
import re
from dataclasses import dataclass
from pathlib import Path

# PhotoLot's dependencies (pyproject.toml) and the licence each declares, for when the
# package's metadata is not there to read (a PyInstaller bundle drops most of it).
DIRECT_PACKAGES: dict[str, str] = {
    "PySide6-Essentials": "LGPL-3.0-only OR GPL-2.0-only OR GPL-3.0-only",
    "aiohttp": "Apache-2.0 AND MIT",
    "aiohttp-sse": "Apache-2.0",
    "huey": "MIT",
    "peewee": "MIT",
    "Pillow": "MIT-CMU",
    "pillow-heif": "BSD-3-Clause",
    "platformdirs": "MIT",
    "onnxruntime": "MIT",
    "numpy": "BSD-3-Clause",
    "fpdf2": "LGPL-3.0-only",
}

_LICENCE_NAMES = re.compile(r"\b(Apache-2\.0|MIT|BSD-[0-9A-Za-z.-]+|L?GPL-[0-9.]+\S*|CC0-1\.0)\b")
_BESIDE = re.compile(r"(\.\s*Both texts)?:?\s*`[^`]+`\s+beside this file\.?\s*$")


@dataclass(frozen=True)
class ModelLicence:
    model_file: str  # e.g. nanodet_g_416.onnx
    licences: tuple[str, ...]  # the licence names the provenance states, e.g. ("Apache-2.0",)
    detail: str  # the provenance's licence line
    licence_file: Path | None
    provenance: Path


@dataclass(frozen=True)
class PackageLicence:
    name: str
    version: str | None  # None: no metadata to read (frozen binary)
    licence: str


def _table_row(text: str, key: str) -> str | None:
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and cells[0].lower() == key:
            return "|".join(cells[1:]).strip()
    return None


def model_licences(resources: Path) -> list[ModelLicence]:
    """One entry per `models/*.PROVENANCE.md`, with the LICENSE file it names."""
    models = resources / "models"
    found = []
    for provenance in sorted(models.glob("*.PROVENANCE.md")):
        text = provenance.read_text(encoding="utf-8", errors="replace")
        model_file = provenance.name.removesuffix(".PROVENANCE.md") + ".onnx"
        row = _table_row(text, "licence") or ""
        named = re.search(r"`(LICENSE[^`]*)`", row)
        licence_file = models / named.group(1) if named else None
        if licence_file is None or not licence_file.is_file():
            stem = provenance.name.removesuffix(".PROVENANCE.md")
            guesses = sorted(models.glob(f"LICENSE*{stem}*"))
            licence_file = guesses[0] if guesses else None
        names = tuple(dict.fromkeys(_LICENCE_NAMES.findall(row)))
        detail = _BESIDE.sub("", row).replace("`", "").strip()
        found.append(ModelLicence(model_file, names, detail, licence_file, provenance))
    return found


def font_licences(resources: Path) -> tuple[list[Path], Path | None]:
    """The bundled fonts and their licence file."""
    fonts = resources / "fonts"
    licences = sorted(fonts.glob("LICENSE*"))
    return sorted(fonts.glob("*.ttf")), (licences[0] if licences else None)


def sample_sources(resources: Path) -> tuple[Path | None, str]:
    """The samples' SOURCES (or LICENSE) file and its text."""
    samples = resources / "samples"
    for name in ("SOURCES.txt", "SOURCES.md", "LICENSE.txt", "LICENSE"):
        path = samples / name
        if path.is_file():
            return path, path.read_text(encoding="utf-8", errors="replace").strip()
    return None, ""


def _licence_of(meta: metadata.PackageMetadata, name: str) -> str:
    expression = meta.get("License-Expression")
    if expression:
        return expression.strip()
    declared = (meta.get("License") or "").strip()
    if declared and "\n" not in declared and len(declared) <= 60:
        return declared
    classifiers = [
        c.split("::")[-1].strip()
        for c in meta.get_all("Classifier") or []
        if c.startswith("License ::") and c.count("::") >= 2
    ]
    if classifiers:
        return " / ".join(classifiers)
    return DIRECT_PACKAGES.get(name, "")


def _requirement_names(name: str) -> list[str]:
    try:
        requires = metadata.requires(name) or []
    except metadata.PackageNotFoundError:
        return []
    names = []
    for requirement in requires:
        if "extra ==" in requirement:
            continue
        match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
        if match:
            names.append(match.group(0))
    return names


def _key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def package_licences() -> list[PackageLicence]:
    """PhotoLot's dependencies and theirs (what is installed), sorted by name."""
    seen: dict[str, PackageLicence] = {}
    pending = list(DIRECT_PACKAGES)
    while pending:
        name = pending.pop(0)
        if _key(name) in seen:
            continue
        try:
            meta = metadata.metadata(name)
        except metadata.PackageNotFoundError:
            if name in DIRECT_PACKAGES:  # bundled, but its metadata was left out
                seen[_key(name)] = PackageLicence(name, None, DIRECT_PACKAGES[name])
            continue
        shown = name if name in DIRECT_PACKAGES else meta.get("Name") or name
        seen[_key(name)] = PackageLicence(shown, meta.get("Version"), _licence_of(meta, name))
        pending.extend(_requirement_names(name))
    return sorted(seen.values(), key=lambda p: p.name.lower())
