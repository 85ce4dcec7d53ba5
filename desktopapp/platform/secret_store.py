"""The model server's API key: in the system keychain where there is one, else in a file
only the user can read, beside the settings.

    store = default_key_store()          # keyring's backend when usable, else the file
    store.save("sk-…"); store.load(); store.forget(); store.where()  # "keychain" | "file"

The key never goes into settings.json, a log line, an exception, a URL or a process
argument. `PHOTOLOT_ANALYZER_KEY` in the environment wins over what is stored (a
one-off run, a server); the Settings dialog writes here.
"""

from __future__ import annotations

import contextlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktopapp.platform.user_config import config_path

log = logging.getLogger(__name__)

SERVICE = "PhotoLot"
ACCOUNT = "model-api-key"
KEY_FILE = "model.key"
MAX_KEY_CHARS = 4096
KEYCHAIN, FILE = "keychain", "file"


class KeyRefused(ValueError):
    """The key cannot be an API key (empty, too long, spaces or control characters)."""


def check_key(key: str) -> str:
    key = key.strip()
    if (
        not key
        or len(key) > MAX_KEY_CHARS
        or not key.isprintable()
        or any(c.isspace() for c in key)
    ):
        raise KeyRefused(f"an API key is 1 to {MAX_KEY_CHARS} printable characters, without spaces")
    return key


@dataclass(frozen=True)
class KeyStore:
    file: Path
    keychain: Any | None = None  # a keyring backend; None: the file only

    def where(self) -> str | None:
        """Where the key is now ("keychain" or "file"), None when there is none."""
        if self._keychain_get() is not None:
            return KEYCHAIN
        return FILE if self._file_get() is not None else None

    def load(self) -> str | None:
        key = self._keychain_get()
        return key if key is not None else self._file_get()

    def save(self, key: str) -> str:
        """Store `key` (KeyRefused when it cannot be one); where it went."""
        key = check_key(key)
        if self.keychain is not None:
            try:
                self.keychain.set_password(SERVICE, ACCOUNT, key)
            except Exception as exc:  # a locked or absent keychain: the file then
                log.warning(
                    "the system keychain refused the key (%s): kept in a file", type(exc).__name__
                )
            else:
                self.file.unlink(missing_ok=True)
                return KEYCHAIN
        self._file_put(key)
        return FILE

    def forget(self) -> None:
        if self.keychain is not None:
            with contextlib.suppress(Exception):  # none stored, or no keychain after all
                self.keychain.delete_password(SERVICE, ACCOUNT)
        self.file.unlink(missing_ok=True)

    # -- the keychain -------------------------------------------------------------------------
    def _keychain_get(self) -> str | None:
        if self.keychain is None:
            return None
        try:
            return self.keychain.get_password(SERVICE, ACCOUNT) or None
        except Exception as exc:
            log.warning("the system keychain could not be read (%s)", type(exc).__name__)
            return None

    # -- the file -----------------------------------------------------------------------------
    def _file_get(self) -> str | None:
        try:
            text = self.file.read_text(encoding="utf-8").strip()
        except (FileNotFoundError, UnicodeDecodeError):
            return None
        except OSError as exc:
            log.warning("%s could not be read (%s)", self.file, exc.strerror)
            return None
        return text or None

    def _file_put(self, key: str) -> None:
        self.file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = self.file.with_name(f".{self.file.name}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(key + "\n")
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.file)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise


def usable_keychain() -> Any | None:
    """keyring's backend when one really stores secrets here, else None (a headless Linux
    without a Secret Service has none: keyring then offers a backend that always fails)."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:
        return None
    if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 0) <= 0:
        return None
    return backend


def default_key_store(settings_file: Path | None = None) -> KeyStore:
    """The key beside the settings file (`PHOTOLOT_CONFIG` moves both), in the keychain when
    there is one."""
    return KeyStore((settings_file or config_path()).with_name(KEY_FILE), usable_keychain())
