"""The review API: corrections, undo, redo, deleting a batch, and the catalogue to pick from.

    POST   /api/batches/{id}/corrections  {"kind": "room.rename", "room": {...}, "name": "…"}
    POST   /api/batches/{id}/undo | /redo
    POST   /api/batches/{id}/reanalyze    {"photoIds": [...]} | {"modelNotices": true}
    DELETE /api/batches/{id}
    GET    /api/catalogue?q=chaise&limit=20

A correction answers 201 with the batch's review state and corrected inventory; every
client following the batch gets the same in one stream event. Bad input is a 400 that
says what is wrong, and nothing is stored (desktopapp.inventory.corrections).

Re-analysing (core.reanalysis) puts finished photos back in the queue: 200 with
{"requeued": [ids], "skipped": [{photoId, fileName, status, reason, message}], "paused"};
409 `nothing_to_reanalyse` (with `skipped`) when none of them is finished.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from desktopapp.core.reanalysis import MAX_PHOTOS, NothingToReanalyse, ReanalysisError
from desktopapp.core.review import CorrectionError, NothingToUndo
from desktopapp.core.state import BatchNotFound
from desktopapp.server.context import context, parse_id
from desktopapp.server.errors import ApiError
from desktopapp.server.json_body import read_json_object

MAX_QUERY_CHARS = 100
MAX_CATALOGUE_LIMIT = 200
# a correction's error code → its HTTP status (anything else is a 400)
_STATUS = {"room_not_found": 404, "photo_not_analysed": 409}


def _not_found(batch_id: int) -> ApiError:
    return ApiError(404, "batch_not_found", f"There is no batch {batch_id}.")


async def _body(request: web.Request) -> dict[str, Any]:
    shape = '{"kind": ..., ...}'
    return await read_json_object(request, context(request).limits, shape)


async def correct(request: web.Request) -> web.Response:
    ctx = context(request)
    batch_id = parse_id(request.match_info["batch_id"])
    body = await _body(request)
    kind = body.pop("kind", None)
    if not isinstance(kind, str):
        raise ApiError(400, "bad_kind", 'Say which correction: "kind", e.g. "room.rename".')
    try:
        result = await ctx.run(ctx.api.correct, batch_id, kind, body)
    except BatchNotFound:
        raise _not_found(batch_id) from None
    except CorrectionError as exc:
        raise ApiError(_STATUS.get(exc.code, 400), exc.code, exc.message) from None
    return web.json_response(result, status=201)


async def undo(request: web.Request) -> web.Response:
    return await _step(request, "undo")


async def redo(request: web.Request) -> web.Response:
    return await _step(request, "redo")


async def _step(request: web.Request, which: str) -> web.Response:
    ctx = context(request)
    batch_id = parse_id(request.match_info["batch_id"])
    action = ctx.api.undo if which == "undo" else ctx.api.redo
    try:
        result = await ctx.run(action, batch_id)
    except BatchNotFound:
        raise _not_found(batch_id) from None
    except NothingToUndo as exc:
        raise ApiError(409, f"nothing_to_{which}", str(exc)) from None
    return web.json_response(result)


_REANALYSE_SHAPE = '{"photoIds": [1, 2]} or {"modelNotices": true}'


def _reanalyse_request(body: dict[str, Any]) -> tuple[list[int] | None, bool]:
    """(photo ids or None, model notices only) from the body; ApiError 400 otherwise."""
    unknown = set(body) - {"photoIds", "modelNotices"}
    if unknown or len(body) != 1:
        raise ApiError(400, "bad_request", f"Send one of: {_REANALYSE_SHAPE}.")
    if "modelNotices" in body:
        if body["modelNotices"] is not True:
            raise ApiError(400, "bad_request", '"modelNotices" must be true.')
        return None, True
    ids = body["photoIds"]
    if (
        not isinstance(ids, list)
        or not 1 <= len(ids) <= MAX_PHOTOS
        or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in ids)
    ):
        raise ApiError(
            400, "bad_photo_ids", f'"photoIds" must list 1 to {MAX_PHOTOS} photo ids (numbers).'
        )
    return ids, False


async def reanalyse(request: web.Request) -> web.Response:
    ctx = context(request)
    batch_id = parse_id(request.match_info["batch_id"])
    body = await read_json_object(request, ctx.limits, _REANALYSE_SHAPE)
    photo_ids, model_notices = _reanalyse_request(body)
    try:
        result = await ctx.run(ctx.api.reanalyse, batch_id, photo_ids, model_notices)
    except BatchNotFound:
        raise _not_found(batch_id) from None
    except ReanalysisError as exc:
        raise ApiError(400, exc.code, exc.message) from None
    except NothingToReanalyse as exc:
        raise ApiError(
            409, "nothing_to_reanalyse", exc.message, details={"skipped": exc.skipped}
        ) from None
    return web.json_response(result.as_json())


async def delete_batch(request: web.Request) -> web.Response:
    ctx = context(request)
    batch_id = parse_id(request.match_info["batch_id"])
    try:
        removed = await ctx.run(ctx.api.delete_batch, batch_id)
    except BatchNotFound:
        raise _not_found(batch_id) from None
    return web.json_response({"deleted": batch_id, **removed})


async def catalogue(request: web.Request) -> web.Response:
    ctx = context(request)
    text = request.query.get("q", "")
    if len(text) > MAX_QUERY_CHARS:
        raise ApiError(400, "bad_query", f'"q" must be at most {MAX_QUERY_CHARS} characters.')
    raw_limit = request.query.get("limit", "20")
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_CATALOGUE_LIMIT:
        raise ApiError(400, "bad_limit", f'"limit" must be 1 to {MAX_CATALOGUE_LIMIT}.')
    items = await ctx.run(ctx.api.search_catalogue, text, int(raw_limit))
    return web.json_response({"items": items})


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/batches/{batch_id}/corrections", correct)
    app.router.add_post("/api/batches/{batch_id}/undo", undo)
    app.router.add_post("/api/batches/{batch_id}/redo", redo)
    app.router.add_post("/api/batches/{batch_id}/reanalyze", reanalyse)
    app.router.add_delete("/api/batches/{batch_id}", delete_batch)
    app.router.add_get("/api/catalogue", catalogue)
