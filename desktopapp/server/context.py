"""What every handler shares: the core's API, the hub, the limits, tickets, database threads."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TypeVar

from aiohttp import web

from desktopapp.server.api_types import ServerApi
from desktopapp.server.config import Limits, SecurityConfig, StreamConfig
from desktopapp.server.errors import ApiError
from desktopapp.server.stream.hub import StreamHub
from desktopapp.server.stream.page_reads import PageReads
from desktopapp.server.tickets import BrowserTickets

T = TypeVar("T")

DB_THREADS = 4
MAX_ID = 2**63 - 1  # SQLite's INTEGER range


@dataclass
class ServerContext:
    api: ServerApi
    security: SecurityConfig
    stream: StreamConfig
    limits: Limits
    web_root: Path
    hub: StreamHub
    tickets: BrowserTickets
    """One-time `?token=` tickets for page URLs (`POST /api/browser-tickets` mints them)."""
    page_reads: PageReads = field(default_factory=PageReads)
    """Journal pages shared by the streams of one batch (see page_reads)."""
    list_streams: int = 0
    """Open `GET /api/batches/stream` lists (list_stream caps them)."""
    executor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(DB_THREADS, thread_name_prefix="photolot-db")
    )

    async def run(self, function: Callable[..., T], *args: object) -> T:
        """Run a synchronous (database, disk) call off the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, partial(function, *args))


CONTEXT = web.AppKey("photolot_context", ServerContext)


def context(request: web.Request) -> ServerContext:
    return request.app[CONTEXT]


def parse_id(text: str, what: str = "batch") -> int:
    """A database id from the URL; anything else is a 404 (no traversal, no overflow)."""
    if text.isascii() and text.isdigit() and len(text) <= 19:
        value = int(text)
        if 0 < value <= MAX_ID:
            return value
    raise ApiError(404, f"{what}_not_found", f"There is no {what} {text[:40]!r}.")
