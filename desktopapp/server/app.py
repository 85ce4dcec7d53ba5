"""The aiohttp application: routes, middlewares, and the hub's lifecycle.

    tickets = BrowserTickets()        # optional: lets the caller mint page links itself
    app = create_app(ServerApi.from_core(core), SecurityConfig(token), tickets=tickets)

Each app makes its own browser session secret (the cookie's value), so browsers signed
in to an earlier run must open a fresh link.

Run it with `handler_cancellation=True` (ServerThread and aiohttp's test server
do): a stream whose client has gone is then released at once.
"""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

from aiohttp import web

from desktopapp.platform.paths import resources_dir
from desktopapp.server import pages, routes_api, routes_model, routes_queue, routes_review
from desktopapp.server.api_types import ServerApi
from desktopapp.server.config import Limits, SecurityConfig, StreamConfig
from desktopapp.server.context import CONTEXT, ServerContext
from desktopapp.server.errors import error_middleware
from desktopapp.server.security import add_security_headers, security_middlewares
from desktopapp.server.stream.hub import StreamHub
from desktopapp.server.stream.list_stream import batch_list_stream, queue_stream
from desktopapp.server.stream.stream import JournalPages, stream_handler
from desktopapp.server.tickets import BrowserTickets

STREAM_ROUTE = "batch-stream"
LIST_STREAM_ROUTE = "batch-list-stream"
QUEUE_STREAM_ROUTE = "queue-stream"
STREAM_ROUTES = frozenset({STREAM_ROUTE, LIST_STREAM_ROUTE, QUEUE_STREAM_ROUTE})
PAGE_ROUTES = frozenset({"page-index", "page-batch", "page-queue"})
BATCHES_PATH = "/api/batches"
SESSION_BYTES = 32  # the browser cookie's secret: 256 bits, new for every app


def create_app(
    api: ServerApi,
    security: SecurityConfig,
    *,
    stream: StreamConfig | None = None,
    limits: Limits | None = None,
    web_root: Path | None = None,
    tickets: BrowserTickets | None = None,
) -> web.Application:
    stream = stream or StreamConfig()
    limits = limits or Limits()
    tickets = tickets if tickets is not None else BrowserTickets()
    ctx = ServerContext(
        api=api,
        security=security,
        stream=stream,
        limits=limits,
        web_root=web_root if web_root is not None else resources_dir() / "web",
        hub=StreamHub(api.bus, stream.max_streams),
        tickets=tickets,
    )
    app = web.Application(
        middlewares=[
            error_middleware,
            *security_middlewares(
                security,
                session=secrets.token_urlsafe(SESSION_BYTES),
                tickets=tickets,
                origin_checked_paths=lambda request: request.match_info.route.name in STREAM_ROUTES,
                page_route=lambda request: request.match_info.route.name in PAGE_ROUTES,
                multipart_paths={BATCHES_PATH},
            ),
        ],
        client_max_size=limits.max_json_bytes,
    )
    app[CONTEXT] = ctx
    app.on_response_prepare.append(_stamp_headers)
    app.on_startup.append(_on_startup)
    app.on_shutdown.append(_on_shutdown)
    app.on_cleanup.append(_on_cleanup)

    app.router.add_get("/api/health", routes_api.health)
    app.router.add_get(BATCHES_PATH, routes_api.list_batches)
    # before /api/batches/{batch_id}: "stream" and "lookup" are not ids
    app.router.add_post("/api/batches/lookup", routes_api.lookup_batch)
    app.router.add_get(
        "/api/batches/stream", batch_list_stream, name=LIST_STREAM_ROUTE, allow_head=False
    )
    app.router.add_get("/api/queue/stream", queue_stream, name=QUEUE_STREAM_ROUTE, allow_head=False)
    app.router.add_post(BATCHES_PATH, routes_api.create_batch)
    app.router.add_get("/api/batches/{batch_id}", routes_api.get_batch)
    app.router.add_post("/api/batches/{batch_id}/retry-failed", routes_api.retry_failed)
    app.router.add_get(
        "/api/batches/{batch_id}/stream", stream_handler, name=STREAM_ROUTE, allow_head=False
    )
    app.router.add_get("/api/batches/{batch_id}/export", routes_api.export_batch)
    app.router.add_get("/api/batches/{batch_id}/report.pdf", routes_api.report_pdf)
    app.router.add_get("/api/photos/{photo_id}/thumbnail", routes_api.thumbnail)
    app.router.add_get("/api/photos/{photo_id}/preview", routes_api.preview)
    app.router.add_post("/api/browser-tickets", routes_api.create_browser_ticket)
    routes_review.add_routes(app)
    routes_queue.add_routes(app)
    routes_model.add_routes(app)
    app.router.add_get("/", pages.index_page, name="page-index")
    app.router.add_get("/batches/{batch_id}", pages.batch_page, name="page-batch")
    app.router.add_get("/queue", pages.queue_page, name="page-queue")
    app.router.add_get("/static/{path:.+}", pages.static_file)
    return app


def hub_of(app: web.Application) -> StreamHub:
    return app[CONTEXT].hub


async def _stamp_headers(request: web.BaseRequest, response: web.StreamResponse) -> None:
    add_security_headers(request, response)


async def _on_startup(app: web.Application) -> None:
    ctx: ServerContext = app[CONTEXT]
    ctx.hub.start(JournalPages(ctx))


async def _on_shutdown(app: web.Application) -> None:
    app[CONTEXT].hub.close_all()  # open streams end now instead of at the shutdown timeout


async def _on_cleanup(app: web.Application) -> None:
    ctx: ServerContext = app[CONTEXT]
    ctx.hub.stop()
    await asyncio.to_thread(ctx.executor.shutdown, True)
