"""Shared fixtures: every test gets its own data dir; the real corpus sits beside the repo."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest_plugins = ["tests.team_fixtures", "tests.browser_fixtures"]

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Point every per-user directory somewhere temporary (qutebrowser-style)."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(home / "runtime"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.delenv("PHOTOLOT_DATA_DIR", raising=False)
    for name in ("CONFIG", "ANALYZER_URL", "ANALYZER_MODEL", "ANALYZER_KEY"):
        monkeypatch.delenv(f"PHOTOLOT_{name}", raising=False)
    # never the developer's own keychain: keyring's backend that stores nothing
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    (home / "runtime").mkdir(mode=0o700)
    return home


@pytest.fixture(scope="session")
def corpus() -> Path:
    assert CORPUS.is_dir(), f"the shared test corpus is missing: {CORPUS}"
    return CORPUS


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def core(data_dir: Path, backend: dict) -> Iterator:
    """A started Core, on each back-end in turn (`backend`, tests/team_fixtures.py)."""
    from desktopapp.core.services import Core
    from desktopapp.platform.settings import Settings

    service = Core(Settings(data_dir=data_dir, workers=2, **backend))
    service.start()
    yield service
    assert service.stop(timeout=30), "workers did not stop"


def wait_until_final(core, batch_id: int, timeout: float = 60.0) -> dict:
    """Follow the batch on the bus (no polling loop, no sleep) until it is final."""
    from desktopapp.core import progress, state
    from desktopapp.core.events import BatchWatcher

    deadline = time.monotonic() + timeout
    with BatchWatcher(core.bus, batch_id) as watcher:
        while True:
            counts = state.batch_counts(batch_id)
            if progress.is_final(progress.batch_status(counts)):
                return core.snapshot(batch_id)
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"batch {batch_id} not final after {timeout}s: {counts}"
            watcher.wait(timeout=min(remaining, 5.0))


def photo_files(folder: Path) -> list[Path]:
    skip = {".txt", ".md", ".markdown", ".rst", ""}
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and p.suffix.lower() not in skip
        and p.name != "LICENSE"
        and not p.name.startswith("README")
    )


os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def model_server() -> Iterator:
    """A chat-completions server on loopback answering from its script (the vision model's
    stand-in: tests/model_server.py)."""
    from tests.model_server import ModelServer

    with ModelServer() as server:
        yield server


@pytest.fixture
def model() -> Iterator:
    """The same server answering every request as `model.answer` says now ("good",
    "prose", an HTTP status): tests/model_helpers.py, for the re-analysis tests."""
    from tests.model_helpers import ModelServer

    with ModelServer() as server:
        yield server


@pytest.fixture(scope="session")
def catalogue():
    """The bundled catalogue (resources/inventory/catalogue.json)."""
    from desktopapp.inventory.catalogue import load_catalogue
    from desktopapp.platform.paths import resources_dir

    return load_catalogue(resources_dir() / "inventory" / "catalogue.json")
