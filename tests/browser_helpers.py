"""Helpers for the browser tests: Debian's Chromium driven by Playwright, and a fake origin.

Playwright's own browser downloads are never used (`playwright install` would fetch
one): the tests launch the system Chromium at /usr/bin/chromium.

`FakeOrigin` serves `resources/web/` from inside the browser (Playwright routing), with
the real CSP, so the page's client logic (reconnects, errors, big batches) can be tested
against scripted answers without a server. The end-to-end tests use the real server.
"""

from __future__ import annotations

import contextlib
import json
import mimetypes
import os
import re
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from desktopapp.platform import i18n

REPO = Path(__file__).resolve().parents[1]
WEB_ROOT = REPO / "resources" / "web"
ARTIFACTS = REPO / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'"
)
THUMBNAIL_PATH = re.compile(r"^/api/photos/\d+/thumbnail$")


def launch_chromium(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def sse(event: str, data: Any, event_id: int | None = None) -> str:
    """One Server-Sent Event block, as the server writes it."""
    lines = [f"event: {event}"]
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines.append("data: " + json.dumps(data, separators=(",", ":")))
    return "\n".join(lines) + "\n\n"


def photo(photo_id: int, status: str = "PENDING", **extra: Any) -> dict[str, Any]:
    """A photo payload shaped like `progress.photo_payload`."""
    done = status == "DONE"
    payload = {
        "id": photo_id,
        "fileName": f"IMG_{photo_id:04d}.jpg",
        "status": status,
        "roomType": "living_room" if done else None,
        "attempts": 0 if status == "PENDING" else 1,
        "errorCode": None,
        "errorMessage": None,
        "width": 4032 if done else None,
        "height": 3024 if done else None,
        "flags": [],
        "duplicateOf": None,
        "itemsCount": 0,
        "thumbnailUrl": f"/api/photos/{photo_id}/thumbnail" if done else None,
    }
    payload.update(extra)
    return payload


def state_payload(
    batch_id: int, photos: list[dict[str, Any]], *, snapshot: bool = False, total: int | None = None
) -> dict[str, Any]:
    """A progress payload whose counts, status and percent follow DESIGN.md's rules.

    `photos` must then be all the batch's photos (pass `total` with a delta's photos
    and the counts are computed from the given photos as if they were all)."""
    tally = {"PENDING": 0, "PROCESSING": 0, "DONE": 0, "ERROR": 0}
    for item in photos:
        tally[item["status"]] += 1
    counts = {
        "queued": tally["PENDING"],
        "processing": tally["PROCESSING"],
        "completed": tally["DONE"],
        "failed": tally["ERROR"],
        "total": total or len(photos),
    }
    finished = counts["completed"] + counts["failed"]
    if counts["processing"] or (counts["queued"] and finished):
        status = "PROCESSING"
    elif counts["queued"]:
        status = "QUEUED"
    elif counts["failed"] == 0:
        status = "COMPLETED"
    elif counts["completed"] == 0:
        status = "FAILED"
    else:
        status = "PARTIAL"
    payload: dict[str, Any] = {
        "batchId": batch_id,
        "status": status,
        "progress": (100 * finished) // counts["total"] if counts["total"] else 100,
        "counts": counts,
        "photos": photos,
    }
    if snapshot:
        payload.update(
            snapshot=True,
            project="Test",
            createdAt=1764441000.0,
            skipped=[],
            notices=[],
            inventorySummary={
                "totalItems": 0,
                "totalVolume": 0,
                "rooms": [],
                "analyzer": "offline",
            },
        )
    return payload


Handler = Callable[[Any, Any], None]  # (route, request)


@dataclass
class FakeOrigin:
    """Serve the web page at `origin` through Playwright routing; API answers per test.

    `api[(method, path)]` answers an API request; `held` keeps routes a handler chose
    not to answer yet (the request stays pending until the test fulfils it).
    """

    page: Any
    origin: str = "http://127.0.0.1:9"
    api: dict[tuple[str, str], Handler] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    held: list[Any] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.route(self.origin + "/**", self._handle)

    def url(self, path: str) -> str:
        return self.origin + path

    def stream_urls(self, batch_id: int) -> list[str]:
        path = f"/api/batches/{batch_id}/stream"
        return [url for url in self.requests if urlparse(url).path == path]

    def _handle(self, route: Any, request: Any) -> None:
        self.requests.append(request.url)
        path = urlparse(request.url).path
        if request.method == "GET" and path == "/":
            return self._file(route, "index.html")
        if request.method == "GET" and re.fullmatch(r"/batches/\d+", path):
            return self._file(route, "batch.html")
        if request.method == "GET" and path == "/queue":
            return self._file(route, "queue.html")
        if request.method == "GET" and path.startswith("/static/"):
            return self._file(route, path.removeprefix("/static/"))
        handler = self.api.get((request.method, path))
        if handler is None:
            return json_reply(route, 404, {"error": {"code": "not_found", "message": "no route"}})
        return handler(route, request)

    def _file(self, route: Any, name: str) -> None:
        if name == i18n.SCRIPT_NAME:  # the catalogue, made from resources/i18n as the server does
            route.fulfill(
                status=200,
                body=i18n.script(),
                headers={
                    "Content-Type": "text/javascript; charset=utf-8",
                    "Content-Security-Policy": CSP,
                    "Cache-Control": "no-store",
                },
            )
            return
        path = (WEB_ROOT / name).resolve()
        if path.parent != WEB_ROOT.resolve() or not path.is_file():
            route.fulfill(status=404, body="missing", headers={"Content-Security-Policy": CSP})
            return
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        route.fulfill(
            status=200,
            body=path.read_bytes(),
            headers={
                "Content-Type": f"{content_type}; charset=utf-8",
                "Content-Security-Policy": CSP,
                "Cache-Control": "no-store",
            },
        )


def json_reply(route: Any, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
    route.fulfill(
        status=status,
        body=json.dumps(body),
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def stream_reply(route: Any, *events: str) -> None:
    """Answer a stream request with these events, then end it (as a dropped connection)."""
    route.fulfill(
        status=200,
        body="retry: 1000\n\n" + "".join(events),
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"},
    )


def last_event_id(url: str) -> str | None:
    values = parse_qs(urlparse(url).query).get("lastEventId")
    return values[0] if values else None


def collect_console_errors(page: Any) -> list[str]:
    """Console errors and uncaught exceptions (CSP violations are reported as errors)."""
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    return errors


# Page-side probes, evaluated through the DevTools protocol (the CSP forbids the page's own
# eval, not Playwright's). Functions, not expressions: wait_for_function with a bare
# expression string would be eval'ed in the page and blocked by the CSP.

ROWS_JS = """() => Array.from(document.querySelectorAll('#photo-list > li')).map(li => {
  const error = li.querySelector('.photo-error');
  const img = li.querySelector('.thumb img');
  const room = li.querySelector('.room');
  return {
    id: Number(li.dataset.id),
    status: li.dataset.status,
    name: li.querySelector('.photo-name').textContent,
    state: li.querySelector('.photo-state').textContent,
    error: error.hidden ? null : error.textContent,
    errorVisible: !error.hidden && error.getBoundingClientRect().height > 0,
    room: room.hidden ? null : room.textContent,
    img: img.getAttribute('src'),
  };
})"""

BAR_MATCHES_JS = """() => {
  const bar = document.getElementById('progressbar');
  const fill = document.getElementById('progress-fill');
  const ratio = 100 * fill.getBoundingClientRect().width / bar.getBoundingClientRect().width;
  return Math.abs(ratio - Number(bar.getAttribute('aria-valuenow'))) < 1;
}"""

THUMBNAILS_LOADED_JS = """() => Array.from(document.querySelectorAll('#photo-list img[src]'))
  .every(img => img.complete && img.naturalWidth > 0)"""


@dataclass
class LiveServer:
    """A real Core behind the real server on 127.0.0.1 (port 0), for the end-to-end tests."""

    core: Any
    token: str
    port: int
    tickets: Any  # the server's BrowserTickets

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def entry_url(self, path: str) -> str:
        """The one-time URL the app opens: the server swaps the ticket for a session cookie."""
        separator = "&" if "?" in path else "?"
        return f"{self.origin}{path}{separator}token={self.tickets.mint()}"

    def get(self, path: str) -> Any:
        return self._call(urllib.request.Request(self.origin + path))

    def post(self, path: str, body: dict[str, Any]) -> Any:
        request = urllib.request.Request(
            self.origin + path,
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        return self._call(request)

    def _call(self, request: urllib.request.Request) -> Any:
        request.add_header("Authorization", f"Bearer {self.token}")
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)


@contextlib.contextmanager
def live_server(core: Any) -> Iterator[LiveServer]:
    """Serve `core` (started or not: the test decides) until the block ends, then stop the
    server and the core."""
    from desktopapp.server import (
        BrowserTickets,
        SecurityConfig,
        ServerApi,
        ServerThread,
        create_app,
        generate_token,
    )

    token, tickets = generate_token(), BrowserTickets()
    server = ServerThread(
        lambda: create_app(ServerApi.from_core(core), SecurityConfig(token), tickets=tickets),
        port=0,
    )
    port = server.start()
    try:
        yield LiveServer(core, token, port, tickets)
    finally:
        server.stop()
        assert core.stop(timeout=30), "workers did not stop"


def new_page(browser: Any, locale: str = "fr-FR", height: int = 1000) -> Any:
    context = browser.new_context(locale=locale, viewport={"width": 1100, "height": height})
    return context.new_page()


# Every page test module: marked `browser`, skipped where there is no Chromium (but not on
# CI, where .ci/setup installs it), and Playwright's auto-waiting `expect`.
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM}"),
]


def playwright_expect() -> Any:
    if os.environ.get("CI"):
        assert CHROMIUM.exists(), f"no Chromium at {CHROMIUM}: run .ci/setup"
    return pytest.importorskip("playwright.sync_api", reason="pip install playwright").expect
