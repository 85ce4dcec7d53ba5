"""The inventory: detector, catalogue, packing rules, rooms, per-room aggregation.

An analyzer turns one photo into a room and items; `aggregate` turns a batch's photos into
rooms with quantities and volumes.
"""

from __future__ import annotations

from pathlib import Path

from desktopapp.inventory.base import Analysis, Analyzer, PhotoInput
from desktopapp.inventory.catalogue import (
    CATALOGUE_FILE,
    OVERRIDES_FILE,
    Catalogue,
    CatalogueError,
    load_catalogue,
)
from desktopapp.inventory.names_analyzer import NamesAnalyzer

ANALYZERS = ("detector", "names")


def make_analyzer(name: str, resources: Path, catalogue: Catalogue) -> Analyzer:
    if name == "detector":
        from desktopapp.inventory.bundled import bundled_analyzer

        return bundled_analyzer(resources, catalogue)
    if name == "names":
        return NamesAnalyzer()
    raise ValueError(f"unknown analyzer {name!r}; available: {', '.join(ANALYZERS)}")


def load_app_catalogue(resources: Path, data_dir: Path) -> tuple[Catalogue, str | None]:
    """The bundled catalogue with the user's volume overrides; a bad override file is
    reported (second value) and ignored, so PhotoLot still starts with its own volumes."""
    bundled = resources / CATALOGUE_FILE
    try:
        return load_catalogue(bundled, data_dir / OVERRIDES_FILE), None
    except CatalogueError as exc:
        if str(exc).startswith(str(bundled)):
            raise
        return load_catalogue(bundled), f"Your volume overrides were not applied: {exc}"


__all__ = [
    "ANALYZERS",
    "Analysis",
    "Analyzer",
    "Catalogue",
    "CatalogueError",
    "NamesAnalyzer",
    "PhotoInput",
    "load_app_catalogue",
    "make_analyzer",
]
