"""PySide6 6.12.0 steals a reference to None on every void call (Python < 3.12), which
aborts the app within minutes of live updates; pyproject excludes it. This guards the pin."""

from __future__ import annotations

import sys

import PySide6
from PySide6.QtCore import QObject


def test_void_calls_leave_none_refcount_alone():
    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(1000):
        probe.setObjectName("x")
    assert sys.getrefcount(None) >= before - 10, (
        f"PySide6 {PySide6.__version__} leaks references to None: install another version"
    )
