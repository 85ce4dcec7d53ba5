"""A one-time page link handed to the browser without putting it on a command line.

Opening `http://127.0.0.1:P/batches/N?token=<ticket>` directly runs `xdg-open <url>` (or
`open`, `start`): any local user reading /proc/*/cmdline could redeem the ticket before the
browser did. Instead PhotoLot writes a tiny HTML file that redirects to the link, readable
by the user alone (0600, in a 0700 folder), and the browser is asked to open that file
(as Jupyter's `use_redirect_file` does). Old redirect files are removed on the next use.
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import secrets
import tempfile
import time
from pathlib import Path

import platformdirs

from desktopapp.platform.private_files import FILE_MODE, FOLDER_MODE

KEEP_SECONDS = 600.0  # the ticket inside expires after 10 minutes anyway

_PAGE = """<!doctype html>
<html><head><meta charset="utf-8">
<meta http-equiv="refresh" content="0;url={attr}">
<title>PhotoLot</title></head>
<body><p><a href="{attr}">PhotoLot</a></p>
<script>window.location.replace({js});</script></body></html>
"""


def redirect_folder() -> Path:
    """The user's runtime dir (or a per-user temp folder), owner-only."""
    try:
        folder = Path(platformdirs.user_runtime_dir("PhotoLot", appauthor=False)) / "links"
        folder.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    except OSError:
        folder = (
            Path(tempfile.gettempdir())
            / f"photolot-links-{os.getuid() if hasattr(os, 'getuid') else 'user'}"
        )
        folder.mkdir(exist_ok=True, mode=FOLDER_MODE)
    folder.chmod(FOLDER_MODE)
    return folder


def write_redirect_file(url: str, folder: Path | None = None) -> Path:
    folder = folder or redirect_folder()
    _remove_old(folder)
    path = folder / f"open-{secrets.token_hex(8)}.html"
    script_safe = json.dumps(url).replace("<", "\\u003c")  # no "</script>" can close it
    page = _PAGE.format(attr=html.escape(url, quote=True), js=script_safe)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(page)
    return path


def _remove_old(folder: Path) -> None:
    limit = time.time() - KEEP_SECONDS
    for old in folder.glob("open-*.html"):
        with contextlib.suppress(OSError):
            if old.stat().st_mtime < limit:
                old.unlink()
