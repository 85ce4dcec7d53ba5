"""Where PhotoLot keeps its files: one data directory, resolved once, never at import."""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from desktopapp.platform.private_files import FOLDER_MODE, tighten

DATA_DIR_ENV = "PHOTOLOT_DATA_DIR"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("PhotoLot", appauthor=False))


def resolve_data_dir(cli_value: str | os.PathLike[str] | None = None) -> Path:
    """`--data-dir` wins over `PHOTOLOT_DATA_DIR`, which wins over the platform default."""
    if cli_value:
        return Path(cli_value).expanduser().resolve()
    env_value = os.environ.get(DATA_DIR_ENV)
    if env_value:
        return Path(env_value).expanduser().resolve()
    return default_data_dir()


def resources_dir() -> Path:
    """The `resources/` folder: in a frozen binary, a source checkout, or an installed wheel."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "resources"
    checkout = Path(__file__).resolve().parents[2] / "resources"
    if checkout.is_dir():
        return checkout
    spec = importlib.util.find_spec("photolot_resources")  # `pip install .` ships it so
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return checkout


class DataDirProblem(RuntimeError):
    """The data folder cannot be created or written; the message says what to do."""


@dataclass(frozen=True)
class DataPaths:
    """Every file and folder below the data directory; a team's photos, thumbnails,
    previews and uploads in `shared` instead, a folder every machine mounts."""

    root: Path
    shared: Path | None = None

    @property
    def _files(self) -> Path:
        return self.shared or self.root

    @property
    def database(self) -> Path:
        return self.root / "photolot.sqlite3"

    @property
    def store(self) -> Path:
        """Content-addressed copies of the photos: photos/<sha256>."""
        return self._files / "photos"

    @property
    def thumbs(self) -> Path:
        return self._files / "thumbs"

    @property
    def previews(self) -> Path:
        """Larger views of the photos for the page's viewer, made on demand: <sha256>.jpg."""
        return self._files / "previews"

    @property
    def uploads(self) -> Path:
        return self._files / "uploads"

    @property
    def token(self) -> Path:
        """The API token; a team's servers share one, in the shared folder."""
        return self._files / "token"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    def ensure(self) -> DataPaths:
        """Create the folders, owner-only (the data dir lists the user's files), and
        tighten the modes an older PhotoLot or a loose umask left (private_files).
        Raises DataDirProblem when the folder cannot be made or written (read-only)."""
        try:
            self.root.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
            if self.shared is not None:
                self.shared.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
            for folder in (self.store, self.thumbs, self.previews, self.uploads, self.logs):
                folder.mkdir(exist_ok=True, mode=FOLDER_MODE)
            with tempfile.TemporaryFile(dir=self.root):
                pass  # writable: the database, the token and the lock live here
        except OSError as exc:
            raise DataDirProblem(
                f"PhotoLot cannot write to its data folder {self.root} "
                f"({exc.strerror or exc}). Make it writable, or start PhotoLot with another "
                "data folder (--data-dir, or PHOTOLOT_DATA_DIR)."
            ) from None
        tighten(self.root, depth=2)  # the root's files (database, token) and logs/*
        return self

    def thumb_path(self, sha256: str) -> Path:
        return self.thumbs / f"{sha256}.jpg"

    def preview_path(self, sha256: str, side: int) -> Path:
        """The size is in the name: a new preview size never serves an old cached file."""
        return self.previews / f"{sha256}-{side}.jpg"
