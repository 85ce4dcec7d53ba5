"""A running PhotoLot seen from another process: its URL and token, JSON calls, its stream.

    client = RemoteClient.for_data_dir(paths)     # None when nothing runs there
    created = client.request("POST", "/api/batches", {"paths": [...]})
    for event in client.stream(batch_id): ...
    for event in client.stream_events("/api/queue/stream"): ...

The running app (window or --headless) writes its URL to the data dir's runtime file;
the install token is read from `<data-dir>/token`, never taken from the command line.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from desktopapp.platform.paths import DataPaths
from desktopapp.platform.runtime_file import runtime_file_for
from desktopapp.ui.sse_parser import SseEvent, SseParser

STREAM_TIMEOUT = 60.0  # the server pings every 15 s: this much silence means it is gone


class RemoteError(Exception):
    def __init__(
        self, message: str, status: int | None = None, code: str | None = None, where: str = ""
    ) -> None:
        super().__init__(f"{where} → {status}: {message}" if where else message)
        self.message = message  # the server's sentence, for a person
        self.status = status
        self.code = code


class RemoteClient:
    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {token}"}

    @classmethod
    def for_data_dir(cls, paths: DataPaths) -> RemoteClient | None:
        """The PhotoLot running on this data dir, from its runtime file; None if none."""
        try:
            url = runtime_file_for(paths.root).read_text(encoding="utf-8").strip()
            token = paths.token.read_text(encoding="utf-8").strip()
        except OSError:
            return None
        parts = urlsplit(url)
        if parts.scheme != "http" or parts.hostname != "127.0.0.1" or not parts.port:
            return None
        return cls(f"http://127.0.0.1:{parts.port}", token)

    def request(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        headers = dict(self.headers)
        if data is not None:
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(self.base_url + path, data, headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=30) as response:
                return json.load(response)
        except urllib.error.HTTPError as exc:
            code, message = _error(exc)
            raise RemoteError(message, exc.code, code, f"{method} {path}") from exc

    def download(self, path: str) -> bytes:
        req = urllib.request.Request(self.base_url + path, None, self.headers)
        try:
            with urllib.request.urlopen(req, timeout=120) as response:
                return response.read()
        except urllib.error.HTTPError as exc:
            code, message = _error(exc)
            raise RemoteError(message, exc.code, code, f"GET {path}") from exc

    def stream(self, batch_id: int) -> Iterator[SseEvent]:
        return self.stream_events(f"/api/batches/{batch_id}/stream")

    def stream_events(self, path: str) -> Iterator[SseEvent]:
        """The events of the SSE stream at `path` (e.g. /api/queue/stream) until it ends."""
        headers = {**self.headers, "Accept": "text/event-stream"}
        req = urllib.request.Request(self.base_url + path, None, headers)
        parser = SseParser()
        try:
            response = urllib.request.urlopen(req, timeout=STREAM_TIMEOUT)
        except urllib.error.HTTPError as exc:
            code, message = _error(exc)
            raise RemoteError(message, exc.code, code, f"GET {path}") from exc
        with response:
            content_type = response.headers.get("Content-Type", "")
            if not content_type.startswith("text/event-stream"):
                raise RemoteError(f"the stream answered {content_type!r}")
            while chunk := response.read1(65536):
                yield from parser.feed(chunk)


def _error(exc: urllib.error.HTTPError) -> tuple[str | None, str]:
    """(code, message) of an API error answer."""
    try:
        error = json.loads(exc.read())["error"]
        return str(error["code"]), str(error["message"])
    except (ValueError, KeyError, TypeError, OSError):
        return None, f"the server answered {exc.code} {exc.reason or ''}".strip()
