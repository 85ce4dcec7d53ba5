"""The web pages: `/` → index.html, `/batches/{id}` → batch.html, `/queue` → queue.html,
`/static/…` → assets.

`/static/i18n.js` is the words of the page (and of the window and the PDF report):
`resources/i18n/strings.json` as a script, loaded before common.js (`platform.i18n.script`).

Files come from `resources/web/` only: every path component is checked (no `..`,
no dot-files, no backslashes, no symlinks), so nothing outside it is reachable.
A missing folder or file is a plain 404.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from aiohttp import hdrs, web

from desktopapp.platform import i18n
from desktopapp.server.context import context, parse_id
from desktopapp.server.errors import ApiError

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".map": "application/json; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
}
STATIC_CACHE = "no-cache"  # revalidate: assets change when PhotoLot is updated

# the routes `index_page`, `batch_page`, `queue_page`
PAGE_PATH = re.compile(r"/(?:batches/[1-9][0-9]{0,18}|queue)?")
_PARAM = r"[A-Za-z0-9_.~%-]+(?:=[A-Za-z0-9_.~%-]*)?"
PAGE_QUERY = re.compile(rf"{_PARAM}(?:&{_PARAM})*")
MAX_PAGE_TARGET = 1024


def page_target(text: object) -> str | None:
    """`text` when it is one of our pages, as a local URL, else None.

    "/", "/batches/12", "/queue", optionally with a plain query ("?lang=fr&debug=1"). Never a
    scheme, a host, "//", a fragment or a `token` parameter: a link made from it can
    only lead to one of our own pages.
    """
    if not isinstance(text, str) or len(text) > MAX_PAGE_TARGET:
        return None
    path, _, query = text.partition("?")
    if not PAGE_PATH.fullmatch(path):
        return None
    if not query:
        return path
    if not PAGE_QUERY.fullmatch(query):
        return None
    if any(param.partition("=")[0].lower() == "token" for param in query.split("&")):
        return None
    return f"{path}?{query}"


def resolve_asset(root: Path, relative: str) -> Path | None:
    """The regular file `relative` names inside `root`, or None (never outside it)."""
    if not relative or "\\" in relative or "\x00" in relative or ":" in relative:
        return None
    parts = relative.split("/")
    if any(not part or part.startswith(".") for part in parts):  # '', '.', '..', dot-files
        return None
    current = root
    mode = 0
    for part in parts:
        current = current / part
        try:
            mode = os.lstat(current).st_mode
        except OSError:
            return None
        if stat.S_ISLNK(mode):
            return None
    return current if stat.S_ISREG(mode) else None


async def _serve(
    request: web.Request, relative: str, cache_control: str | None
) -> web.StreamResponse:
    ctx = context(request)
    path = await ctx.run(resolve_asset, ctx.web_root, relative)
    if path is None:
        raise ApiError(404, "not_found", "This part of PhotoLot's web page is missing.")
    content_type = CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")
    headers = {hdrs.CONTENT_TYPE: content_type}
    if cache_control:
        headers[hdrs.CACHE_CONTROL] = cache_control
    return web.FileResponse(path, headers=headers)


async def index_page(request: web.Request) -> web.StreamResponse:
    return await _serve(request, "index.html", None)


async def batch_page(request: web.Request) -> web.StreamResponse:
    parse_id(request.match_info["batch_id"])  # any valid id: the page reads it from the URL
    return await _serve(request, "batch.html", None)


async def queue_page(request: web.Request) -> web.StreamResponse:
    return await _serve(request, "queue.html", None)


async def static_file(request: web.Request) -> web.StreamResponse:
    if request.match_info["path"] == i18n.SCRIPT_NAME:
        body = await context(request).run(i18n.script)  # read once, then cached
        headers = {hdrs.CONTENT_TYPE: CONTENT_TYPES[".js"], hdrs.CACHE_CONTROL: STATIC_CACHE}
        return web.Response(body=body, headers=headers)
    return await _serve(request, request.match_info["path"], STATIC_CACHE)
