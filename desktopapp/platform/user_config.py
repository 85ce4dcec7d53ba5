"""The user's saved preferences: a small JSON file in the platform's config folder.

    config, problems = load_user_config()        # problems: what was ignored, and why
    save_user_config(UserConfig(language="fr", workers=4))

`~/.config/PhotoLot/settings.json` on Linux (`$XDG_CONFIG_HOME`), `%LOCALAPPDATA%\\PhotoLot`
on Windows, `~/Library/Application Support/PhotoLot` on macOS; `PHOTOLOT_CONFIG` names
another file. The file is the user's alone (mode 0600), written atomically. A missing
file means "all defaults"; a value that is out of range or of the wrong kind is
reported and ignored, the others still apply. The command line's flags win over it
(cli.py); the Settings dialog writes it.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import platformdirs

CONFIG_ENV = "PHOTOLOT_CONFIG"
CONFIG_FILE = "settings.json"

LANGUAGES = ("fr", "en")
ANALYZERS = ("detector", "names")
WORKERS_RANGE = (1, 64)
PORT_RANGE = (1024, 65535)  # or 0: any free port
MEGAPIXELS_RANGE = (10.0, 1000.0)
MAX_FILE_BYTES = 64 * 1024
MODEL_CONCURRENCY_RANGE = (1, 16)
MODEL_TIMEOUT_RANGE = (5.0, 600.0)  # seconds for one answer
MAX_URL_CHARS = 500
MAX_MODEL_NAME_CHARS = 200
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})  # photos stay on this machine


@dataclass(frozen=True)
class UserConfig:
    """None everywhere means "PhotoLot's default" (system language, one worker per CPU…)."""

    language: str | None = None  # "fr" or "en"; None: the system's
    workers: int | None = None  # None: one per CPU
    port: int | None = None  # None: 8765; 0: any free port
    max_megapixels: float | None = None  # None: Pillow's bomb limit (179 MP)
    analyzer: str | None = None  # "detector" (the bundled models) or "names"; None: detector
    # an optional vision model server (OpenAI-compatible); its key is in `secret_store`
    model_url: str | None = None  # e.g. http://127.0.0.1:11434/v1 (Ollama)
    model_name: str | None = None
    model_concurrency: int | None = None  # None: 1 (a local server answers one at a time)
    model_timeout: float | None = None  # None: 60 s

    def to_json(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if value is not None}


class ConfigError(ValueError):
    """What is wrong with the values, one sentence per field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def config_path() -> Path:
    override = os.environ.get(CONFIG_ENV)
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_config_dir("PhotoLot", appauthor=False)) / CONFIG_FILE


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_field(name: str, value: Any) -> str | None:
    """None when `value` is acceptable for `name` (None always is), else why not."""
    if value is None:
        return None
    if name == "language":
        return None if value in LANGUAGES else f"language must be one of {', '.join(LANGUAGES)}"
    if name == "analyzer":
        return None if value in ANALYZERS else f"analyzer must be one of {', '.join(ANALYZERS)}"
    if name == "workers":
        low, high = WORKERS_RANGE
        if _is_int(value) and low <= value <= high:
            return None
        return f"workers must be a whole number from {low} to {high}"
    if name == "port":
        low, high = PORT_RANGE
        if _is_int(value) and (value == 0 or low <= value <= high):
            return None
        return f"port must be 0 (any free port) or from {low} to {high}"
    if name == "max_megapixels":
        low, high = MEGAPIXELS_RANGE
        if isinstance(value, int | float) and not isinstance(value, bool) and low <= value <= high:
            return None
        return f"max_megapixels must be from {low:g} to {high:g}"
    if name == "model_url":
        return check_model_url(value)
    if name == "model_name":
        text = value if isinstance(value, str) else ""
        if text.strip() and len(text) <= MAX_MODEL_NAME_CHARS and text.isprintable():
            return None
        return f"model_name must be a name of 1 to {MAX_MODEL_NAME_CHARS} printable characters"
    if name == "model_concurrency":
        low, high = MODEL_CONCURRENCY_RANGE
        if _is_int(value) and low <= value <= high:
            return None
        return f"model_concurrency must be a whole number from {low} to {high}"
    if name == "model_timeout":
        low, high = MODEL_TIMEOUT_RANGE
        if isinstance(value, int | float) and not isinstance(value, bool) and low <= value <= high:
            return None
        return f"model_timeout must be from {low:g} to {high:g} seconds"
    return f"unknown setting {name!r}"


def check_model_url(value: Any) -> str | None:
    """None for an http(s) address with a host and no password in it, else why not."""
    if not isinstance(value, str) or len(value) > MAX_URL_CHARS or not value.isprintable():
        return f"model_url must be an http(s) address of at most {MAX_URL_CHARS} characters"
    try:
        parts = urlsplit(value.strip())
        parts.port  # noqa: B018 (raises on a port out of range)
    except ValueError:
        return "model_url is not a valid address"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "model_url must start with http:// or https:// and name a server"
    if parts.username or parts.password:
        return "model_url must not carry a user or password (the key is asked for apart)"
    if parts.query or parts.fragment:
        return "model_url must not have a query (?…) or a fragment (#…)"
    return None


def validate(config: UserConfig) -> UserConfig:
    """`config` itself when every value is acceptable; else ConfigError naming each one."""
    problems = [
        p for f in fields(UserConfig) if (p := check_field(f.name, getattr(config, f.name)))
    ]
    if (config.model_url is None) != (config.model_name is None):
        problems.append("model_url and model_name go together: give both, or neither")
    if problems:
        raise ConfigError(problems)
    return config


def load_user_config(path: Path | None = None) -> tuple[UserConfig, list[str]]:
    """The saved preferences, and what in the file was ignored (never raises)."""
    path = path or config_path()
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return UserConfig(), [f"{path}: larger than {MAX_FILE_BYTES} bytes, ignored"]
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return UserConfig(), []
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return UserConfig(), [f"{path}: not readable as JSON ({exc}), ignored"]
    if not isinstance(raw, dict):
        return UserConfig(), [f"{path}: not a JSON object, ignored"]
    known = {f.name for f in fields(UserConfig)}
    values: dict[str, Any] = {}
    problems = []
    for name, value in raw.items():
        if name not in known:
            problems.append(f"{path}: unknown setting {name!r}, ignored")
            continue
        problem = check_field(name, value)
        if problem:
            problems.append(f"{path}: {problem} (got {value!r}), ignored")
        else:
            values[name] = value
    return UserConfig(**values), problems


def save_user_config(config: UserConfig, path: Path | None = None) -> Path:
    """Write the preferences (validated first: ConfigError), readable by the user only."""
    validate(config)
    path = path or config_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(config.to_json(), handle, indent=2, sort_keys=True)
            handle.write("\n")
        os.chmod(tmp, 0o600)  # an older temp file kept its mode through O_TRUNC
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
