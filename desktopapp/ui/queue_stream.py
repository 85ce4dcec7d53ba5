"""`QueueStream`: follows a snapshot stream (`GET /api/queue/stream`) on the GUI thread.

    stream = QueueStream(base_url, token)
    stream.snapshotChanged.connect(lambda data: ...)   # the whole dashboard, each time
    stream.connectionChanged.connect(...)               # idle | connecting | live | ...
    stream.start(); stream.close()

Much simpler than `SseClient`: each `queue` event is the whole state, so there is nothing
to merge and nothing to replay; a reconnection simply gets the current state (no
Last-Event-ID needed). The same conventions otherwise: `SseParser` reads the stream,
`ReconnectPolicy` spaces the reconnections (exponential with jitter, the server's
`retry:` as base, a 429's Retry-After honoured), a `timeout` event reconnects at once, a
watchdog drops a connection silent for 45 s, and after the policy's last attempt the
stream stops in "error" until `retry()`. No polling: the server pushes every change.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtNetwork import QNetworkReply

from desktopapp.ui.backoff import ReconnectPolicy, parse_retry_after
from desktopapp.ui.http import (
    error_message_from_body,
    http_status,
    local_network_manager,
    make_request,
    reply_header,
)
from desktopapp.ui.sse_parser import SseParser

log = logging.getLogger(__name__)

WATCHDOG_MS = 45_000
FATAL_STATUSES = frozenset({401, 403, 404})


class QueueStream(QObject):
    snapshotChanged = Signal(object)  # dict: the newest state, whole
    connectionChanged = Signal(str)  # idle | connecting | live | reconnecting | error

    def __init__(
        self,
        base_url: str,
        token: str,
        path: str = "/api/queue/stream",
        event: str = "queue",
        *,
        policy: ReconnectPolicy | None = None,
        watchdog_ms: int = WATCHDOG_MS,
        rand: Callable[[], float] = random.random,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.url = base_url.rstrip("/") + path
        self.event_type = event
        self._token = token
        self._policy = policy or ReconnectPolicy()
        self._rand = rand
        # its own manager: a stream holds its connection for good (see SseClient)
        self._network = local_network_manager(self)
        self._parser = SseParser()
        self._reply: QNetworkReply | None = None
        self._announced = False
        self._body = bytearray()
        self.connection = "idle"
        self.error: str | None = None
        self.attempt = 0
        self.data: dict[str, Any] | None = None
        self.events = 0  # `queue` events received (tests, diagnostics)
        self._reconnect_timer = QTimer(self, singleShot=True)
        self._reconnect_timer.timeout.connect(self._connect)
        self._watchdog = QTimer(self, singleShot=True, interval=watchdog_ms)
        self._watchdog.timeout.connect(self._on_silence)

    @property
    def max_attempts(self) -> int:
        return self._policy.max_attempts

    # -- control ---------------------------------------------------------------------
    @Slot()
    def start(self) -> None:
        if self._reply is None and self.connection in ("idle", "error"):
            self.attempt = 0
            self._connect()

    @Slot()
    def retry(self) -> None:
        self._reconnect_timer.stop()
        self._drop_reply()
        self.attempt = 0
        self.error = None
        self._connect()

    @Slot()
    def close(self) -> None:
        self._reconnect_timer.stop()
        self._watchdog.stop()
        self._drop_reply()
        self._set_connection("idle")

    # -- connection ------------------------------------------------------------------
    def _connect(self) -> None:
        self._drop_reply()
        headers = {"Accept": "text/event-stream", "Cache-Control": "no-cache"}
        request = make_request(self.url, self._token, headers)
        request.setTransferTimeout(0)  # the watchdog decides when silence is too long
        self._parser.reset_stream()
        self._announced = False
        self._body.clear()
        reply = self._network.get(request)
        reply.setReadBufferSize(0)
        self._reply = reply
        reply.readyRead.connect(self._on_ready_read)
        reply.finished.connect(self._on_finished)
        if self.connection != "live":  # (after a `timeout` event it stays live, quietly)
            self._set_connection("reconnecting" if self.attempt else "connecting")
        self._watchdog.start()

    def _drop_reply(self) -> None:
        reply, self._reply = self._reply, None
        if reply is not None:
            reply.abort()
            reply.deleteLater()

    def _current(self) -> QNetworkReply | None:
        reply = self.sender()
        return reply if reply is not None and reply is self._reply else None

    @Slot()
    def _on_ready_read(self) -> None:
        reply = self._current()
        if reply is None:
            return
        self._watchdog.start()
        chunk = reply.readAll().data()
        if not self._announced:
            status = http_status(reply)
            kind = reply_header(reply, "Content-Type")
            if status == 200 and kind.startswith("text/event-stream"):
                self._announced = True
                self.attempt = 0
                self.error = None
                self._set_connection("live")
            else:
                if len(self._body) < 65536:
                    self._body.extend(chunk[:65536])
                return
        newest: dict[str, Any] | None = None
        for event in self._parser.feed(chunk):
            if event.type == self.event_type:
                try:
                    value = json.loads(event.data)
                except ValueError:
                    log.warning("ignored a queue event that is not JSON")
                    continue
                if isinstance(value, dict):
                    newest = value
                    self.events += 1
            elif event.type == "timeout":
                self._drop_reply()
                self._reconnect_timer.start(0)  # the server's periodic close: at once
                break
        if newest is not None:  # several in one chunk: only the newest matters
            self.data = newest
            self.snapshotChanged.emit(newest)

    @Slot()
    def _on_finished(self) -> None:
        reply = self._current()
        if reply is None:
            return
        self._reply = None
        reply.deleteLater()
        self._watchdog.stop()
        if self._announced:
            self._parser.finish()
            self._schedule_reconnect()
            return
        status = http_status(reply)
        _code, message = error_message_from_body(bytes(self._body))
        if status is None:
            self.error = reply.errorString() or "The local server does not answer."
            self._schedule_reconnect()
        elif status in FATAL_STATUSES or (400 <= status < 500 and status != 429):
            self.error = message or f"The server answered {status}."
            self._set_connection("error")
        else:
            self.error = message or f"The server answered {status}."
            self._schedule_reconnect(parse_retry_after(reply_header(reply, "Retry-After")))

    def _on_silence(self) -> None:
        if self._reply is not None:
            log.info("the queue stream went silent; reconnecting")
            self._drop_reply()
            self._schedule_reconnect()

    def _schedule_reconnect(self, retry_after_ms: int | None = None) -> None:
        self.attempt += 1
        delay = self._policy.with_base(self._parser.retry).delay_ms(
            self.attempt, retry_after_ms, self._rand()
        )
        if delay is None:
            self._set_connection("error")
            return
        self._reconnect_timer.start(delay)
        self._set_connection("reconnecting")

    def _set_connection(self, connection: str) -> None:
        if connection != self.connection:
            self.connection = connection
            self.connectionChanged.emit(connection)


__all__ = ["QueueStream"]
