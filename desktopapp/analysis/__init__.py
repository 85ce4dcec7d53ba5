"""Analyzers turn a processed photo into a room and items."""

from desktopapp.analysis.base import Analysis, Analyzer, PhotoInput
from desktopapp.analysis.offline import OfflineAnalyzer


def make_analyzer(name: str) -> Analyzer:
    if name == "offline":
        return OfflineAnalyzer()
    raise ValueError(f"unknown analyzer {name!r}; available: offline")


__all__ = ["Analysis", "Analyzer", "OfflineAnalyzer", "PhotoInput", "make_analyzer"]
