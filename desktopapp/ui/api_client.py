"""`ApiClient`: the window's asynchronous calls to the local server (REST, Bearer token).

    api = ApiClient("http://127.0.0.1:8765", token)
    api.create_batch(["/photos/flat"], lambda result: ...)   # ApiResult
    api.lookup_batch(["/photos/flat"], callback)   # {"batchId": n | None}: imported already?
    api.list_batches(callback); api.retry_failed(12, callback)
    api.export(12, callback)          # result.body: the CSV bytes
    api.thumbnail(345, callback)      # result.body: JPEG bytes
    api.preview(345, callback)        # the viewer's larger JPEG (≤ 1280 px)
    api.browser_link(12, callback)    # api.page_url(result): a one-time link to open
    api.correct(12, "room.rename", {"room": {...}, "name": "Salon"}, callback)
    api.undo(12, callback); api.redo(12, callback); api.delete_batch(12, callback)
    api.catalogue("chai", callback)   # result.data["items"]: the catalogue's matches
    api.pause(12, cb); api.resume(12, cb); api.cancel(12, cb); api.move_to_front(12, cb)
    api.queue(cb)                     # the dashboard; api.queue_batch_photos(12, cb)
    api.clean_queue(30, cb)           # finished batches older than 30 days: {"deleted": n}
    api.check_model(url, model, key, 60, cb)  # a vision model's answer to a sample photo

Every call returns at once; the callback runs later on the GUI thread with an
`ApiResult`. Nothing here blocks, and nothing touches the database.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from PySide6.QtCore import QByteArray, QObject, Signal, Slot
from PySide6.QtNetwork import QNetworkReply

from desktopapp.ui.http import (
    error_message_from_body,
    http_status,
    local_network_manager,
    make_request,
    reply_header,
)

log = logging.getLogger(__name__)


@dataclass
class ApiResult:
    ok: bool
    status: int | None
    body: bytes = b""
    data: Any = None  # the decoded JSON, when the answer was JSON
    error_code: str | None = None
    error_message: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return self.error_message or self.error_code or f"HTTP {self.status}"


Callback = Callable[[ApiResult], None]


class ApiClient(QObject):
    requestFailed = Signal(str, object)  # (operation, ApiResult), for logging / banners

    def __init__(self, base_url: str, token: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.network = local_network_manager(self)
        self._pending: dict[QNetworkReply, tuple[str, Callback | None]] = {}

    # -- the API -----------------------------------------------------------------------
    def health(self, callback: Callback | None = None) -> QNetworkReply:
        return self._send("GET", "/api/health", "health", callback)

    def list_batches(self, callback: Callback | None = None) -> QNetworkReply:
        return self._send("GET", "/api/batches", "list_batches", callback)

    def get_batch(self, batch_id: int, callback: Callback | None = None) -> QNetworkReply:
        return self._send("GET", f"/api/batches/{int(batch_id)}", "get_batch", callback)

    def create_batch(
        self, paths: Iterable[str], callback: Callback | None = None, project: str | None = None
    ) -> QNetworkReply:
        body: dict[str, Any] = {"paths": [str(path) for path in paths]}
        if project:
            body["project"] = project
        return self._send("POST", "/api/batches", "create_batch", callback, body)

    def lookup_batch(self, paths: Iterable[str], callback: Callback | None = None) -> QNetworkReply:
        """The newest batch made of exactly the files these paths give:
        `result.data` {"batchId": n | None, "photosCount": n} (asked before importing)."""
        body = {"paths": [str(path) for path in paths]}
        return self._send("POST", "/api/batches/lookup", "lookup_batch", callback, body)

    def retry_failed(self, batch_id: int, callback: Callback | None = None) -> QNetworkReply:
        """Re-queue the batch's failed photos: {"requeued": n, "notRetried": [{"fileName",
        "errorCode", "errorMessage"}]} (files no retry can fix are left as they are)."""
        path = f"/api/batches/{int(batch_id)}/retry-failed"
        return self._send("POST", path, "retry_failed", callback, {})

    def export(
        self, batch_id: int, callback: Callback | None = None, fmt: str = "csv", lang: str = "en"
    ) -> QNetworkReply:
        path = f"/api/batches/{int(batch_id)}/export?format={quote(fmt)}&lang={quote(lang)}"
        return self._send("GET", path, "export", callback)

    def report_pdf(
        self, batch_id: int, lang: str, callback: Callback | None = None
    ) -> QNetworkReply:
        """The batch's inventory report (PDF bytes in `result.body`), in "fr" or "en"."""
        path = f"/api/batches/{int(batch_id)}/report.pdf?lang={quote(lang)}"
        return self._send("GET", path, "report_pdf", callback)

    def thumbnail(self, photo_id: int, callback: Callback | None = None) -> QNetworkReply:
        return self._send("GET", f"/api/photos/{int(photo_id)}/thumbnail", "thumbnail", callback)

    def preview(self, photo_id: int, callback: Callback | None = None) -> QNetworkReply:
        """The photo's larger JPEG (longest side ≤ 1280 px, oriented) for the viewer."""
        return self._send("GET", f"/api/photos/{int(photo_id)}/preview", "preview", callback)

    # -- the review: corrections, undo / redo, deleting, the catalogue ------------------
    def correct(
        self,
        batch_id: int,
        kind: str,
        fields: dict[str, Any],
        callback: Callback | None = None,
    ) -> QNetworkReply:
        """One correction (`kind` and its fields, notes/review_api.md); 201 with the batch's
        review state and corrected inventory, or a 400/404/409 error that says why."""
        path = f"/api/batches/{int(batch_id)}/corrections"
        return self._send("POST", path, "correct", callback, {**fields, "kind": kind})

    def undo(self, batch_id: int, callback: Callback | None = None) -> QNetworkReply:
        return self._send("POST", f"/api/batches/{int(batch_id)}/undo", "undo", callback, {})

    def redo(self, batch_id: int, callback: Callback | None = None) -> QNetworkReply:
        return self._send("POST", f"/api/batches/{int(batch_id)}/redo", "redo", callback, {})

    def reanalyse(
        self, batch_id: int, photo_ids: Iterable[int] | None, callback: Callback | None = None
    ) -> QNetworkReply:
        """Analyse finished photos again (`photo_ids`, or None: those the model missed):
        {"requeued": [ids], "skipped": [...], "paused": bool}; none finished: 409."""
        body: dict[str, Any] = (
            {"modelNotices": True}
            if photo_ids is None
            else {"photoIds": [int(i) for i in photo_ids]}
        )
        path = f"/api/batches/{int(batch_id)}/reanalyze"
        return self._send("POST", path, "reanalyse", callback, body)

    def delete_batch(self, batch_id: int, callback: Callback | None = None) -> QNetworkReply:
        return self._send("DELETE", f"/api/batches/{int(batch_id)}", "delete_batch", callback)

    def catalogue(
        self, query: str, callback: Callback | None = None, limit: int = 50
    ) -> QNetworkReply:
        """Catalogue items whose French or English name matches `query` ("" lists all)."""
        path = f"/api/catalogue?q={quote(query[:100])}&limit={int(limit)}"
        return self._send("GET", path, "catalogue", callback)

    # -- the queue: pause, resume, cancel, move to the front, the dashboard -------------
    def pause(self, batch_id: int, callback: Callback | None = None) -> QNetworkReply:
        """{"status": "PAUSED"} (again: the same); a finished batch: 409 batch_final."""
        return self._send("POST", f"/api/batches/{int(batch_id)}/pause", "pause", callback, {})

    def resume(self, batch_id: int, callback: Callback | None = None) -> QNetworkReply:
        """{"status": "PROCESSING" | "QUEUED"}; a finished batch: 409 batch_final."""
        return self._send("POST", f"/api/batches/{int(batch_id)}/resume", "resume", callback, {})

    def cancel(self, batch_id: int, callback: Callback | None = None) -> QNetworkReply:
        """{"cancelled": n}: its queued photos CANCELLED, the batch final (again: 0)."""
        return self._send("POST", f"/api/batches/{int(batch_id)}/cancel", "cancel", callback, {})

    def move_to_front(self, batch_id: int, callback: Callback | None = None) -> QNetworkReply:
        """{"priority": n}: its queued photos go before the other batches' ones."""
        return self._send("POST", f"/api/batches/{int(batch_id)}/front", "front", callback, {})

    def queue(self, callback: Callback | None = None) -> QNetworkReply:
        """The dashboard once (the panel follows `/api/queue/stream` instead)."""
        return self._send("GET", "/api/queue", "queue", callback)

    def queue_batch_photos(self, batch_id: int, callback: Callback | None = None) -> QNetworkReply:
        """{"batchId", "photos": [{"id", "fileName", "status", "attempts", "timings",
        "errorCode", "errorMessage"}]}: each photo's stage times and error."""
        path = f"/api/queue/batches/{int(batch_id)}"
        return self._send("GET", path, "queue_batch_photos", callback)

    def clean_queue(
        self, older_than_days: float, callback: Callback | None = None
    ) -> QNetworkReply:
        """Delete the finished batches created more than `older_than_days` ago: {"deleted": n}."""
        body = {"olderThanDays": older_than_days}
        return self._send("POST", "/api/queue/clean", "clean_queue", callback, body)

    def queue_stream_url(self) -> str:
        return f"{self.base_url}/api/queue/stream"

    def stream_url(self, batch_id: int) -> str:
        return f"{self.base_url}/api/batches/{int(batch_id)}/stream"

    def browser_link(
        self, batch_id: int | None = None, callback: Callback | None = None
    ) -> QNetworkReply:
        """Ask the server for a page link with a one-time ticket (`page_url(result)`).

        The ticket, never the install token, goes to the browser: the page trades it
        once for a session cookie. Minting needs the Bearer token, which only we hold.
        """
        page = f"/batches/{int(batch_id)}" if batch_id is not None else "/"
        return self._send("POST", "/api/browser-tickets", "browser_link", callback, {"path": page})

    def page_url(self, result: ApiResult) -> str | None:
        """The absolute link from a `browser_link` answer; None unless it is one of ours."""
        url = result.data.get("url") if result.ok and isinstance(result.data, dict) else None
        if not isinstance(url, str) or not url.startswith("/") or url.startswith("//"):
            return None
        return self.base_url + url

    # -- the vision model's "Test connection" ---------------------------------------------
    def check_model(
        self,
        url: str,
        model: str,
        key: str | None,
        timeout: float,
        callback: Callback | None = None,
    ) -> QNetworkReply:
        """The model's answer to a bundled sample photo: {"ok", "room", "items", "seconds",
        "tokens"} or {"ok": false, "code", "message"}; no `key`: the stored one."""
        body: dict[str, Any] = {"url": url, "model": model, "timeout": timeout}
        if key:
            body["key"] = key
        return self._send("POST", "/api/model/check", "check_model", callback, body)

    def abort_all(self) -> None:
        for reply in list(self._pending):
            self._pending.pop(reply, None)
            reply.abort()
            reply.deleteLater()

    # -- plumbing ------------------------------------------------------------------------
    def _send(
        self,
        method: str,
        path: str,
        operation: str,
        callback: Callback | None,
        body: Any = None,
    ) -> QNetworkReply:
        headers = {"Accept": "application/json"}
        payload = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            payload = QByteArray(json.dumps(body).encode("utf-8"))
        request = make_request(self.base_url + path, self.token, headers)
        if method == "GET":
            # a POST is never cut short: a large intake that outlived the timeout would
            # still create its batch, and a retry would create it twice
            request.setTransferTimeout(60_000)
            reply = self.network.get(request)
        elif method == "DELETE":
            reply = self.network.deleteResource(request)
        else:
            reply = self.network.post(request, payload or QByteArray())
        self._pending[reply] = (operation, callback)
        reply.finished.connect(self._on_finished)
        return reply

    @Slot()
    def _on_finished(self) -> None:
        reply = self.sender()
        entry = self._pending.pop(reply, None)  # type: ignore[arg-type]
        if entry is None:
            return
        operation, callback = entry
        reply.deleteLater()
        result = self._result(reply)  # type: ignore[arg-type]
        if not result.ok:
            log.info("%s failed: %s", operation, result.message)
            self.requestFailed.emit(operation, result)
        if callback is not None:
            try:
                callback(result)
            except Exception:  # a broken callback must not break the others
                log.exception("callback of %s failed", operation)

    @staticmethod
    def _result(reply: QNetworkReply) -> ApiResult:
        status = http_status(reply)
        body = reply.readAll().data()
        headers = {
            name: reply_header(reply, name)
            for name in ("Content-Type", "Retry-After", "Content-Disposition", "ETag")
            if reply.hasRawHeader(name)
        }
        data = None
        if headers.get("Content-Type", "").startswith("application/json") and body:
            try:
                data = json.loads(body)
            except ValueError:
                data = None
        if status is None:
            return ApiResult(False, None, body, None, "network", reply.errorString(), headers)
        if 200 <= status < 300:
            return ApiResult(True, status, body, data, headers=headers)
        code, message = error_message_from_body(body)
        return ApiResult(False, status, body, data, code, message, headers)
