"""Where a team's PhotoLot finds its engines: one settings source for `photolot serve` and
`photolot worker`.

    config = resolve_team_config(flags, os.environ)   # TeamConfigError: what is wrong

Each value comes from, in order: the command line (`--database`, `--queue`, `--store`,
`--host`, `--port`, `--workers`, `--lease-seconds`, `--public-name`, `--max-streams`), the
environment
(`PHOTOLOT_DATABASE`, `PHOTOLOT_QUEUE`, `PHOTOLOT_STORE`, `PHOTOLOT_HOST`, `PHOTOLOT_PORT`,
`PHOTOLOT_WORKERS`, `PHOTOLOT_LEASE_SECONDS`, `PHOTOLOT_PUBLIC_NAMES`,
`PHOTOLOT_MAX_STREAMS`), then a JSON file
(`--config FILE` or `PHOTOLOT_TEAM_CONFIG`) with the same names in lower case
(`{"database": "postgresql://…", "queue": "redis://…", "store": "/mnt/photolot"}`). With
no database given, everything stays embedded (SQLite and Huey in the data folder, as the
desktop app). A team needs all three: PostgreSQL,
Redis, and a folder every machine mounts at the same path.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

CONFIG_ENV = "PHOTOLOT_TEAM_CONFIG"
FIELDS = (
    "database",
    "queue",
    "store",
    "host",
    "port",
    "workers",
    "lease_seconds",
    "public_names",
    "max_streams",
)


class TeamConfigError(ValueError):
    """One sentence per value that cannot be used."""


@dataclass(frozen=True)
class TeamConfig:
    database: str | None = None  # postgresql://user[:password]@host:port/database
    queue: str | None = None  # redis://host:port/db
    store: Path | None = None  # photos, thumbnails, previews, uploads, the shared token
    host: str | None = None
    port: int | None = None
    workers: int | None = None
    lease_seconds: float = 30.0
    public_names: tuple[str, ...] = ()  # a server on the network: the names it answers to
    max_streams: int | None = None  # live streams one server holds (None: 256)

    @property
    def team(self) -> bool:
        return self.database is not None


def resolve_team_config(
    flags: Mapping[str, Any], environ: Mapping[str, str] | None = None
) -> TeamConfig:
    env = os.environ if environ is None else environ
    file_values = _file_values(flags.get("config") or env.get(CONFIG_ENV))
    raw: dict[str, Any] = {}
    for name in FIELDS:
        for value in (flags.get(name), env.get(f"PHOTOLOT_{name.upper()}"), file_values.get(name)):
            if value is not None and value != "":
                raw[name] = value
                break
    return _checked(raw)


def _file_values(path: str | None) -> dict[str, Any]:
    if not path:
        return {}
    try:
        data = json.loads(Path(path).expanduser().read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TeamConfigError(f"the team configuration {path} cannot be read ({exc})") from None
    if not isinstance(data, dict):
        raise TeamConfigError(f"the team configuration {path} is not a JSON object")
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise TeamConfigError(
            f"the team configuration {path} has unknown settings: {', '.join(unknown)} "
            f"(known: {', '.join(FIELDS)})"
        )
    return data


def _checked(raw: dict[str, Any]) -> TeamConfig:
    problems = []
    database, queue, store = raw.get("database"), raw.get("queue"), raw.get("store")
    if database is not None and urlsplit(str(database)).scheme not in ("postgresql", "postgres"):
        problems.append("--database must be a postgresql://user@host:port/database URL")
    if queue is not None and urlsplit(str(queue)).scheme not in ("redis", "rediss"):
        problems.append("--queue must be a redis://host:port/db URL")
    if database is not None and (queue is None or store is None):
        problems.append(
            "a team needs --database, --queue and --store together (PostgreSQL, Redis, "
            "and a folder every machine mounts)"
        )
    if database is None and queue is not None:
        problems.append("--queue (Redis) needs --database (PostgreSQL)")
    port = _number(raw.get("port"), int, "port", 0, 65535, problems)
    workers = _number(raw.get("workers"), int, "workers", 0, 256, problems)
    lease = _number(raw.get("lease_seconds", 30.0), float, "lease_seconds", 1, 3600, problems)
    names = _names(raw.get("public_names"), problems)
    streams = _number(raw.get("max_streams"), int, "max_streams", 1, 100_000, problems)
    if problems:
        raise TeamConfigError("; ".join(problems))
    return TeamConfig(
        public_names=names,
        max_streams=streams,
        database=str(database) if database is not None else None,
        queue=str(queue) if queue is not None else None,
        store=Path(str(store)).expanduser().resolve() if store is not None else None,
        host=str(raw["host"]) if raw.get("host") else None,
        port=port,
        workers=workers,
        lease_seconds=lease if lease is not None else 30.0,
    )


def _number(value: Any, kind: type, name: str, low: float, high: float, problems: list[str]) -> Any:
    if value is None:
        return None
    try:
        number = kind(value)
    except (TypeError, ValueError):
        problems.append(f"{name} must be a number (got {value!r})")
        return None
    if not low <= number <= high:
        problems.append(f"{name} must be from {low:g} to {high:g} (got {number})")
        return None
    return number


def _names(value: Any, problems: list[str]) -> tuple[str, ...]:
    """ "server.office,10.0.0.5" or a list of them: host names or addresses, no port."""
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        problems.append("public_names must be names separated by commas")
        return ()
    names = tuple(str(item).strip().lower().rstrip("/") for item in items if str(item).strip())
    for name in names:
        if "://" in name:  # a proxy's public URL: https://photolot.office[:8443]
            try:
                parts = urlsplit(name)
                parts.port  # noqa: B018 (raises on a bad port)
            except ValueError:
                parts = None
            if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
                problems.append(f"public_names: {name!r} is not an http(s)://host[:port] URL")
            elif parts.path or parts.query:
                problems.append(f"public_names: {name!r} must not have a path")
        elif not all(c.isalnum() or c in ".-[]:" for c in name) or name.count(":") == 1:
            problems.append(
                f"public_names: {name!r} is not a host name or address (no port; for a "
                "proxy, its URL: https://name[:port])"
            )
    return names
