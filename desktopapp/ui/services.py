"""The desktop's services the window uses: native file dialogs, opening a URL.

Grouped so tests can swap them for scripted answers (a modal dialog would block a test).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QWidget


def _open_photos(parent: QWidget, title: str, filters: str) -> list[str]:
    paths, _ = QFileDialog.getOpenFileNames(parent, title, "", filters)
    return paths


def _open_folder(parent: QWidget, title: str) -> str:
    return QFileDialog.getExistingDirectory(parent, title)


def _save_file(parent: QWidget, title: str, suggested: str, filters: str) -> str:
    path, _ = QFileDialog.getSaveFileName(parent, title, suggested, filters)
    return path


@dataclass
class DesktopServices:
    open_photos: Callable[[QWidget, str, str], list[str]] = _open_photos
    open_folder: Callable[[QWidget, str], str] = _open_folder
    save_file: Callable[[QWidget, str, str, str], str] = _save_file
    open_url: Callable[[QUrl], bool] = QDesktopServices.openUrl
