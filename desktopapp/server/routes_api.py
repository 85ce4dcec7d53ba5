"""The JSON API: health, batches (list, create, state, retry, export, PDF report), thumbnails,
previews, tickets.

Every database or disk call runs on the context's threads (`ctx.run`); big bodies
are serialised there too, so the event loop never waits on a large batch.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import hdrs, web

from desktopapp.core.imaging import ImagingError
from desktopapp.core.intake import IntakeResult, NothingToImport
from desktopapp.core.state import BatchNotFound
from desktopapp.report import LANGUAGES
from desktopapp.server import export
from desktopapp.server.context import ServerContext, context, parse_id
from desktopapp.server.errors import ApiError
from desktopapp.server.json_body import read_json_object
from desktopapp.server.pages import page_target
from desktopapp.server.queries import PhotoNotFound
from desktopapp.server.security import require_bearer
from desktopapp.server.uploads import Upload, receive_upload

MAX_PATH_CHARS = 4096
MAX_PROJECT_CHARS = 200
LISTED_BAD_PATHS = 10  # named in the message; the details carry up to 100
THUMBNAIL_CACHE = "private, max-age=31536000, immutable"
JSON_TYPE = "application/json"


def _batch_not_found(batch_id: int) -> ApiError:
    return ApiError(404, "batch_not_found", f"There is no batch {batch_id}.")


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _json_response(body: bytes, status: int = 200, **kwargs: Any) -> web.Response:
    return web.Response(body=body, status=status, content_type=JSON_TYPE, charset="utf-8", **kwargs)


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok", "version": context(request).api.version})


async def list_batches(request: web.Request) -> web.Response:
    ctx = context(request)
    body = await ctx.run(lambda: _json_bytes({"batches": ctx.api.list_batches()}))
    return _json_response(body)


async def get_batch(request: web.Request) -> web.Response:
    ctx = context(request)
    batch_id = parse_id(request.match_info["batch_id"])
    try:
        body = await ctx.run(lambda: _json_bytes(ctx.api.snapshot(batch_id)))
    except BatchNotFound:
        raise _batch_not_found(batch_id) from None
    return _json_response(body)


async def retry_failed(request: web.Request) -> web.Response:
    ctx = context(request)
    batch_id = parse_id(request.match_info["batch_id"])
    try:
        result = await ctx.run(ctx.api.retry_failed, batch_id)
    except BatchNotFound:
        raise _batch_not_found(batch_id) from None
    return web.json_response({"requeued": result.requeued, "notRetried": result.not_retried})


async def create_batch(request: web.Request) -> web.Response:
    ctx = context(request)
    upload: Upload | None = None
    if request.content_type == "multipart/form-data":
        upload = await receive_upload(request, ctx)
        paths: list[str] = [str(path) for path in upload.files]
        project = upload.project or None
    else:  # the server reads these paths itself: programs only, never a browser session
        require_bearer(request, "Importing files by path")
        paths, project = await _json_paths(request, ctx)
        bad = await ctx.run(bad_paths, paths)
        if bad:
            raise _bad_paths_error(bad)
    try:
        # Once started, intake runs to its end on its thread even if the client goes away.
        names = upload.original_names if upload is not None else None
        result: IntakeResult = await ctx.run(ctx.api.create_batch, paths, project, names)
    except NothingToImport as exc:
        if upload is not None:  # no batch refers to these files
            await ctx.run(shutil.rmtree, upload.folder, True)
        raise ApiError(
            422,
            "nothing_to_import",
            str(exc),
            details={"skipped": exc.skipped},
        ) from None
    if upload is not None:  # what did not become a photo (a duplicate, not a picture) goes
        await ctx.run(upload.remove_unused, result.sources)
    return web.json_response(
        {
            "batchId": result.batch_id,
            "photosCount": result.photos_count,
            "skipped": result.skipped,
            "notices": result.notices,
        },
        status=201,
        headers={hdrs.LOCATION: f"/api/batches/{result.batch_id}"},
    )


async def lookup_batch(request: web.Request) -> web.Response:
    """`{"paths": [...]}` → `{"batchId": n | null, "photosCount": n}`: the newest batch made
    of exactly the files these paths give (the window asks before importing a drop again)."""
    require_bearer(request, "Looking up paths")
    ctx = context(request)
    paths, _project = await _json_paths(request, ctx)
    found = await ctx.run(ctx.api.batch_of_same_files, paths)
    batch_id, count = found if found else (None, 0)
    return web.json_response({"batchId": batch_id, "photosCount": count})


async def _json_object(request: web.Request, ctx: ServerContext, shape: str) -> dict[str, Any]:
    return await read_json_object(request, ctx.limits, shape)


async def _json_paths(request: web.Request, ctx: ServerContext) -> tuple[list[str], str | None]:
    body = await _json_object(request, ctx, '{"paths": [...], "project": "..."}')
    paths = body.get("paths")
    limit = ctx.limits.max_paths
    if (
        not isinstance(paths, list)
        or not paths
        or not all(isinstance(path, str) and path for path in paths)
    ):
        raise ApiError(
            400, "bad_paths", '"paths" must be a non-empty list of file or folder paths (text).'
        )
    if len(paths) > limit:
        raise ApiError(
            400, "too_many_paths", f"Send at most {limit} paths at once (got {len(paths)})."
        )
    project = body.get("project")
    if project is not None:
        if not isinstance(project, str) or len(project) > MAX_PROJECT_CHARS:
            raise ApiError(
                400,
                "bad_project",
                f'"project" must be a name of at most {MAX_PROJECT_CHARS} characters.',
            )
        project = project.strip() or None
    return paths, project


def path_problem(raw: str) -> str | None:
    """Why a posted path cannot be imported, or None if it is a readable file or folder."""
    if "\x00" in raw or len(raw) > MAX_PATH_CHARS:
        return "not a valid path"
    path = Path(raw)
    if not path.is_absolute():
        return "not an absolute path"
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "does not exist"
    except PermissionError:
        return "PhotoLot is not allowed to read it"
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if stat.S_ISDIR(mode):
        return None if os.access(path, os.R_OK | os.X_OK) else "PhotoLot is not allowed to read it"
    if stat.S_ISREG(mode):
        return None if os.access(path, os.R_OK) else "PhotoLot is not allowed to read it"
    return "not a regular file or folder (a device, pipe or socket)"


def bad_paths(paths: list[str]) -> list[dict[str, str]]:
    bad = []
    for raw in paths:
        problem = path_problem(raw)
        if problem:
            bad.append({"path": raw, "reason": problem})
    return bad


def _bad_paths_error(bad: list[dict[str, str]]) -> ApiError:
    listed = "; ".join(f"{entry['path']} ({entry['reason']})" for entry in bad[:LISTED_BAD_PATHS])
    more = f"; and {len(bad) - LISTED_BAD_PATHS} more" if len(bad) > LISTED_BAD_PATHS else ""
    return ApiError(
        400,
        "bad_paths",
        f"{len(bad)} of the paths cannot be imported: {listed}{more}.",
        details={"paths": bad[:100]},
    )


async def _jpeg_by_hash(
    request: web.Request,
    sha256: str,
    read: Callable[[], bytes],
    unreadable: type[Exception],
    missing: Callable[[Exception], ApiError],
) -> web.Response:
    """A picture named by its photo's content hash: ETag = hash, cached for good, 304 when
    the client has it; `read` runs on a database thread; an `unreadable` error becomes the
    404 that `missing` makes of it."""
    etag = f'"{sha256}"'
    headers = {hdrs.ETAG: etag, hdrs.CACHE_CONTROL: THUMBNAIL_CACHE}
    if _etag_matches(request.headers.get(hdrs.IF_NONE_MATCH), etag):
        return web.Response(status=304, headers=headers)
    try:
        body = await context(request).run(read)
    except unreadable as exc:
        raise missing(exc) from None
    return web.Response(body=body, content_type="image/jpeg", headers=headers)


async def thumbnail(request: web.Request) -> web.Response:
    ctx = context(request)
    photo_id = parse_id(request.match_info["photo_id"], "photo")
    try:
        thumb = await ctx.run(ctx.api.thumbnail, photo_id)
    except PhotoNotFound:
        raise ApiError(404, "photo_not_found", f"There is no photo {photo_id}.") from None
    if thumb is None:
        raise ApiError(
            404,
            "thumbnail_not_ready",
            "This photo has no thumbnail yet: it is waiting, or it could not be read.",
        )
    return await _jpeg_by_hash(
        request,
        thumb.sha256,
        thumb.path.read_bytes,
        FileNotFoundError,
        lambda _exc: ApiError(404, "thumbnail_not_ready", "This photo's thumbnail is missing."),
    )


async def preview(request: web.Request) -> web.Response:
    """A larger JPEG of a DONE photo for the viewers (longest side 1280 px), oriented as its
    thumbnail; made on first request and cached in previews/<sha256>-1280.jpg."""
    ctx = context(request)
    photo_id = parse_id(request.match_info["photo_id"], "photo")
    try:
        found = await ctx.run(ctx.api.preview, photo_id)
    except PhotoNotFound:
        raise ApiError(404, "photo_not_found", f"There is no photo {photo_id}.") from None
    if found is None:
        raise ApiError(
            404,
            "preview_not_available",
            "This photo has no preview yet: it is waiting, or it could not be read.",
        )
    return await _jpeg_by_hash(
        request,
        found.sha256,
        found.read,
        ImagingError,
        lambda exc: ApiError(
            404, "preview_not_available", f"This photo's preview cannot be made: {exc}"
        ),
    )


def _etag_matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    candidates = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in candidates or etag in candidates


async def export_batch(request: web.Request) -> web.Response:
    ctx = context(request)
    batch_id = parse_id(request.match_info["batch_id"])
    kind = request.query.get("format", "csv")
    if kind not in ("csv", "json"):
        raise ApiError(400, "bad_format", "Choose format=csv or format=json.")
    language = export.language_of(
        request.query.get("lang"), request.headers.get(hdrs.ACCEPT_LANGUAGE)
    )

    def render(snapshot: dict[str, Any]) -> bytes:
        return export.batch_csv(snapshot, language) if kind == "csv" else _json_bytes(snapshot)

    try:
        body = await ctx.run(lambda: render(ctx.api.snapshot(batch_id)))
    except BatchNotFound:
        raise _batch_not_found(batch_id) from None
    content_type = "text/csv" if kind == "csv" else JSON_TYPE
    return web.Response(
        body=body,
        content_type=content_type,
        charset="utf-8",
        headers={hdrs.CONTENT_DISPOSITION: export.attachment(batch_id, kind)},
    )


def report_language(query: str | None, accept_language: str | None) -> str:
    """`?lang=fr|en`, else the first of Accept-Language's languages we speak, else en."""
    if query:
        if query not in LANGUAGES:
            raise ApiError(400, "bad_language", "Choose lang=fr or lang=en.")
        return query
    ranked = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and weight > 0:
            ranked.append((-weight, position, primary))
    return min(ranked)[2] if ranked else "en"


async def report_pdf(request: web.Request) -> web.Response:
    """The batch's inventory report, a PDF (desktopapp.report), in French or English."""
    ctx = context(request)
    batch_id = parse_id(request.match_info["batch_id"])
    lang = report_language(request.query.get("lang"), request.headers.get(hdrs.ACCEPT_LANGUAGE))

    def thumbnail_path(photo_id: int) -> Path | None:
        found = ctx.api.thumbnail(photo_id)
        return found.path if found is not None else None

    try:
        from desktopapp.report.pdf import render_pdf  # fpdf2: loaded on first use

        body = await ctx.run(lambda: render_pdf(ctx.api.snapshot(batch_id), thumbnail_path, lang))
    except BatchNotFound:
        raise _batch_not_found(batch_id) from None
    return web.Response(
        body=body,
        content_type="application/pdf",
        headers={hdrs.CONTENT_DISPOSITION: f'attachment; filename="photolot-batch-{batch_id}.pdf"'},
    )


async def create_browser_ticket(request: web.Request) -> web.Response:
    """`{"path": "/batches/12"}` → 201 `{"url": "/batches/12?token=<ticket>", "expiresIn": s}`.

    The ticket works once, within `expiresIn` seconds: the page trades it for the browser
    session cookie. Programs only (the install token): a browser session cannot mint more.
    """
    require_bearer(request, "Making a browser link")
    ctx = context(request)
    body: dict[str, Any] = {}
    if request.body_exists:
        body = await _json_object(request, ctx, '{"path": "/batches/12"}')
    target = page_target(body.get("path", "/"))
    if target is None:
        raise ApiError(
            400,
            "bad_page_path",
            '"path" must be one of PhotoLot\'s pages: "/" or "/batches/<id>", '
            "optionally with a query (no host, no token).",
        )
    ticket = ctx.tickets.mint()
    separator = "&" if "?" in target else "?"
    return web.json_response(
        {"url": f"{target}{separator}token={ticket}", "expiresIn": round(ctx.tickets.ttl)},
        status=201,
    )
