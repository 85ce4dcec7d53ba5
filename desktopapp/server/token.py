"""The per-install access token: `<data-dir>/token`, random, owner-only, made once."""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

TOKEN_BYTES = 32  # 256 bits; DESIGN.md asks for at least 128
_MIN_LENGTH = 22  # token_urlsafe characters for 128 bits


def generate_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def load_or_create_token(path: Path) -> str:
    """Read the token at `path`; on first run create it (mode 0600, O_EXCL) and return it.

    A file left empty or truncated by a crash is replaced by a new token.
    """
    token = _read(path)
    if token is not None:
        return token
    path.parent.mkdir(parents=True, exist_ok=True)
    token = generate_token()
    # written whole beside it, then linked into place: the file appears complete or not at
    # all, so a second process starting now (a team's servers) reads it, never half of it
    temp = path.with_name(f".{path.name}-{secrets.token_hex(4)}")
    _write_new(temp, token)
    try:
        os.link(temp, path)
    except FileExistsError:
        existing = _read(path)
        if existing is not None:  # another process created it first: share its token
            return existing
        os.replace(temp, path)  # an empty or cut file a crash left: replaced
    except OSError:  # a file system without hard links: exclusive create, as before
        try:
            _write_new(path, token)
        except FileExistsError:
            existing = _read(path)
            if existing is not None:
                return existing
            os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    return token


def _write_new(path: Path, token: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, token.encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)


def _read(path: Path) -> str | None:
    try:
        mode = path.stat().st_mode
        token = path.read_text(encoding="ascii", errors="replace").strip()
    except FileNotFoundError:
        return None
    if stat.S_IMODE(mode) & 0o077:  # readable by others: tighten it (no-op on Windows)
        with contextlib.suppress(OSError):
            path.chmod(0o600)
    if len(token) < _MIN_LENGTH or not token.isascii() or not token.isprintable():
        return None
    return token
