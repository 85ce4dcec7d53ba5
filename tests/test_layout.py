"""The package's layout: what each folder may import (README, "Development").

Every `import x` and `from x import y` of each file is read from its AST, relative ones
resolved, those inside functions and `if TYPE_CHECKING:` included.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "desktopapp"
QT = "Qt"
QT_MODULES = {"PySide6", "shiboken6", "PyQt5", "PyQt6", "PySide2"}
AREAS = {"app", "cli", "commands", "core", "inventory", "platform", "report", "server", "ui"}
EVERYTHING = AREAS | {QT}

# area → what its files may import; `desktopapp` itself (its version and name) is always
# allowed. server/stream/ is part of server.
ALLOWED: dict[str, set[str]] = {
    "app": EVERYTHING,  # the composition root
    "cli": EVERYTHING,
    "platform": {"platform"},
    "core": {"core", "platform", "inventory"},
    "inventory": {"inventory", "core"},
    "report": {"report", "core", "inventory", "platform"},  # the PDF: pure, no Qt, no server
    "server": {"server", "core", "platform", "report"},
    "ui": {"ui", "platform", QT},
    "commands": {"commands", "core", "platform", "ui", "app", "report"},
}


def area_of(module: str) -> str | None:
    """`desktopapp.server.stream.hub` → "server"; None for the package root itself."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in AREAS else None


def imported_modules(source: str, module: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, absolute module name) for every import in `source`, the module `module`."""
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base_parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*base_parts, *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            found.append((node.lineno, base))
            # `from desktopapp import core` imports desktopapp.core
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def violations(source: str, module: str, is_package: bool = False) -> list[str]:
    area = area_of(module)
    assert area is not None, module
    allowed = ALLOWED[area]
    bad: dict[tuple[int, str], str] = {}  # one per statement and target
    for line, name in imported_modules(source, module, is_package):
        top = name.split(".")[0]
        if top in QT_MODULES:
            target = QT
        elif top == "desktopapp":
            target = area_of(name)
            if target is None:  # the package root: APP_NAME, __version__
                continue
        else:
            continue
        if target not in allowed:
            bad.setdefault((line, target), f"{module}:{line}: {area} imports {name} ({target})")
    return list(bad.values())


def package_files() -> list[tuple[Path, str, bool]]:
    files = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        is_package = parts[-1] == "__init__"
        module = ".".join(parts[:-1] if is_package else parts)
        if area_of(module) is not None:
            files.append((path, module, is_package))
    return files


def test_every_area_has_files():
    areas = {area_of(module) for _, module, _ in package_files()}
    assert areas == AREAS


def test_no_forbidden_import():
    bad = []
    for path, module, is_package in package_files():
        bad += violations(path.read_text(encoding="utf-8"), module, is_package)
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize(
    ("module", "is_package", "source", "expected"),
    [
        ("desktopapp.server.app", False, "from PySide6.QtCore import QObject", "Qt"),
        ("desktopapp.server.stream.hub", False, "def f():\n    import PySide6\n", "Qt"),
        ("desktopapp.server.stream.hub", False, "from ...ui import theme", "ui"),
        ("desktopapp.ui.icons", False, "from desktopapp.core import journal", "core"),
        ("desktopapp.ui.icons", False, "import desktopapp.core.db", "core"),
        ("desktopapp.ui.icons", False, "from desktopapp import core", "core"),
        ("desktopapp.ui.icons", False, "from ..core.state import BatchNotFound", "core"),
        ("desktopapp.ui.icons", False, "from desktopapp.server import api_types", "server"),
        ("desktopapp.ui", True, "from ..inventory import catalogue", "inventory"),
        ("desktopapp.core.state", False, "from desktopapp.server import queries", "server"),
        ("desktopapp.core.services", False, "from .. import ui", "ui"),
        (
            "desktopapp.core.journal",
            False,
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from desktopapp.ui.batch_state import BatchState\n",
            "ui",
        ),
        ("desktopapp.platform.paths", False, "from desktopapp.core import db", "core"),
        ("desktopapp.ui.icons", False, "from desktopapp.report import render_pdf", "report"),
        ("desktopapp.report.pdf", False, "from desktopapp.server import queries", "server"),
        ("desktopapp.report.pdf", False, "from PySide6.QtGui import QPdfWriter", "Qt"),
    ],
)
def test_a_forbidden_import_is_caught(module, is_package, source, expected):
    found = violations(source, module, is_package)
    assert len(found) == 1 and found[0].endswith(f"({expected})"), found


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("desktopapp.server.app", "from desktopapp.core import journal\nimport platform"),
        ("desktopapp.server.stream.hub", "from ..errors import ApiError"),
        ("desktopapp.ui.icons", "from desktopapp.platform.paths import resources_dir"),
        ("desktopapp.ui.icons", "from desktopapp import __version__\nfrom . import theme"),
        ("desktopapp.core.services", "from desktopapp.inventory import make_analyzer"),
        ("desktopapp.server.routes_api", "from desktopapp.report import render_pdf"),
        ("desktopapp.commands.process", "from desktopapp.report import render_pdf"),
        ("desktopapp.report.pdf", "from desktopapp.platform.paths import resources_dir"),
    ],
)
def test_an_allowed_import_passes(module, source):
    assert violations(source, module) == []
