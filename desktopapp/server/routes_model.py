"""The vision model's "Test connection": the model's answer to a bundled sample photo.

    POST /api/model/check  {"url": "http://127.0.0.1:11434/v1", "model": "llava", "key"?: …}
    → 200 {"ok": true, "room": "living_room", "items": [...], "seconds": 3.1, "tokens": 912}
    → 200 {"ok": false, "code": "model_unavailable", "message": "…"}   (it could not answer)

No key in the body means the stored one (or PHOTOLOT_ANALYZER_KEY). A bad address or name
is a 400 with `bad_model_settings`. One check at a time (409 `check_running`): each may
wait the whole timeout for a slow server, on a thread of its own, never the database's.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from desktopapp.core.model_setup import CheckRefused
from desktopapp.server.context import context
from desktopapp.server.errors import ApiError
from desktopapp.server.json_body import read_json_object

_RUNNING = web.AppKey("photolot_model_check", asyncio.Lock)


async def check_model(request: web.Request) -> web.Response:
    ctx = context(request)
    body = await read_json_object(request, ctx.limits, '{"url": ..., "model": ...}')
    if ctx.api.check_model is None:
        raise ApiError(503, "check_unavailable", "This server cannot test a model.")
    lock = request.app[_RUNNING]
    if lock.locked():
        raise ApiError(409, "check_running", "A connection test is already running.")
    async with lock:
        try:
            result = await asyncio.to_thread(ctx.api.check_model, body)
        except CheckRefused as exc:
            raise ApiError(400, "bad_model_settings", str(exc)) from None
    return web.json_response(result)


def add_routes(app: web.Application) -> None:
    app[_RUNNING] = asyncio.Lock()
    app.router.add_post("/api/model/check", check_model)
