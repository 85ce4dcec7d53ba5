"""One frozen settings object, built from the command line and the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from desktopapp.platform.paths import DataPaths

DEFAULT_PORT = 8765


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    workers: int = field(default_factory=default_workers)
    port: int = DEFAULT_PORT
    host: str = "127.0.0.1"
    analyzer: str = "detector"  # or "names": rooms from names only, no detector
    max_pixels: int | None = None  # None: the imaging module's default policy
    # an optional vision model server (OpenAI-compatible); None: the bundled detector only.
    # Its key is not here (settings are logged): `secret_store` or PHOTOLOT_ANALYZER_KEY.
    model_url: str | None = None
    model_name: str | None = None
    model_concurrency: int = 1
    model_timeout: float = 60.0
    # A team (`photolot serve`, `photolot worker`; platform.team_config): PostgreSQL, Redis
    # and a folder every machine mounts. None everywhere: the desktop's embedded engines.
    database_url: str | None = None
    queue_url: str | None = None
    store_dir: Path | None = None
    lease_seconds: float = 30.0  # a dead worker's photos go to the others after this
    # names a server on the network answers to, besides the loopback ones (Host, Origin)
    public_names: tuple[str, ...] = ()
    max_streams: int | None = None  # live streams one server holds at once; None: 256

    @property
    def team(self) -> bool:
        return self.database_url is not None

    @property
    def paths(self) -> DataPaths:
        return DataPaths(self.data_dir, self.store_dir)
