"""Queue control over REST: pause, resume, cancel a batch, move it to the front.

    POST /api/batches/{id}/pause    → 200 {"status": "PAUSED"}   (again: the same)
    POST /api/batches/{id}/resume   → 200 {"status": ...}        (a finished batch: 409)
    POST /api/batches/{id}/cancel   → 200 {"cancelled": n}       (again: 0)
    POST /api/batches/{id}/front    → 200 {"priority": n}
    GET  /api/queue                 → the dashboard (core.queue_dashboard)
    GET  /api/queue/stream          → `queue` events with it, after each change (SSE)
    GET  /api/queue/batches/{id}    → a batch's photos: attempts, stage times, errors
    POST /api/queue/clean {"olderThanDays": n} → {"deleted": n} finished batches removed

Each change is one journal event: the window and the pages see it on their streams.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from desktopapp.core.queue_control import BatchIsFinal
from desktopapp.core.state import BatchNotFound
from desktopapp.server.context import context, parse_id
from desktopapp.server.errors import ApiError
from desktopapp.server.json_body import read_json_object


async def _act(request: web.Request, pick: Callable[[Any], Callable[[int], Any]], key: str):
    ctx = context(request)
    batch_id = parse_id(request.match_info["batch_id"])
    try:
        result = await ctx.run(pick(ctx.api), batch_id)
    except BatchNotFound:
        raise ApiError(404, "batch_not_found", f"There is no batch {batch_id}.") from None
    except BatchIsFinal as exc:
        raise ApiError(409, "batch_final", str(exc)) from None
    return web.json_response({key: result})


async def pause(request: web.Request) -> web.Response:
    return await _act(request, lambda api: api.pause, "status")


async def resume(request: web.Request) -> web.Response:
    return await _act(request, lambda api: api.resume, "status")


async def cancel(request: web.Request) -> web.Response:
    return await _act(request, lambda api: api.cancel, "cancelled")


async def front(request: web.Request) -> web.Response:
    return await _act(request, lambda api: api.move_to_front, "priority")


async def dashboard(request: web.Request) -> web.Response:
    ctx = context(request)
    return web.json_response(await ctx.run(ctx.api.queue_dashboard))


async def batch_photos(request: web.Request) -> web.Response:
    ctx = context(request)
    batch_id = parse_id(request.match_info["batch_id"])
    try:
        photos = await ctx.run(ctx.api.queue_batch_photos, batch_id)
    except BatchNotFound:
        raise ApiError(404, "batch_not_found", f"There is no batch {batch_id}.") from None
    return web.json_response({"batchId": batch_id, "photos": photos})


async def clean(request: web.Request) -> web.Response:
    ctx = context(request)
    body = await read_json_object(request, ctx.limits, '{"olderThanDays": 30}')
    days = body.get("olderThanDays")
    if isinstance(days, bool) or not isinstance(days, int | float) or not 0 <= days <= 36500:
        raise ApiError(400, "bad_days", '"olderThanDays" must be a number of days (0 to 36500).')
    removed = await ctx.run(ctx.api.clean_finished, float(days))
    return web.json_response({"deleted": removed})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/queue", dashboard)
    app.router.add_get("/api/queue/batches/{batch_id}", batch_photos)
    app.router.add_post("/api/queue/clean", clean)
    app.router.add_post("/api/batches/{batch_id}/pause", pause)
    app.router.add_post("/api/batches/{batch_id}/resume", resume)
    app.router.add_post("/api/batches/{batch_id}/cancel", cancel)
    app.router.add_post("/api/batches/{batch_id}/front", front)
