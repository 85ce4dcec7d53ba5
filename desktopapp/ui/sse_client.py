"""`SseClient`: follows one batch's live stream, on the GUI thread, like an EventSource.

    client = SseClient(base_url, token, batch_id)
    client.stateChanged.connect(...)     # a dict describing what changed (see below)
    client.start()

It reads `GET /api/batches/{id}/stream` with QNetworkAccessManager (no thread of its
own), feeds each chunk to the incremental `SseParser`, merges `progress` / `complete`
payloads into a `BatchState`, and exposes what the seed's `useBatchProgress` hook
did: `data`, `isLoading`, `error`, `isConnected`, `lastUpdate`.

Reconnection: `Last-Event-ID` is sent on every reconnect, so the server replays only
what was missed. Backoff is exponential with jitter (1 s → 30 s, the server's `retry:`
sets the base, a 429's `Retry-After` is honoured); after 5 failed attempts the client
stops in the "error" state until `retry()`. A `timeout` event reconnects at once;
after `complete` it never reconnects, unless it `follow`s the batch (the window does):
then the stream stays open after `complete` (`?follow=1`) and the mover's corrections keep
arriving; the client stays FINISHED and reconnects quietly when that stream ends. A
watchdog aborts a connection silent for 45 s (the server pings every 15 s) and reconnects.

`stateChanged` carries {"full", "added", "changed", "removed", "statusChanged",
"summaryChanged", "previousStatus", "status", "progress", "counts"}; the photos
themselves are read from `client.state` (a `BatchState`): a batch of 10,000 photos is
never copied per event.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtNetwork import QNetworkAccessManager, QNetworkReply

from desktopapp.ui.backoff import ReconnectPolicy, parse_retry_after
from desktopapp.ui.batch_state import BatchState, Change
from desktopapp.ui.http import (
    error_message_from_body,
    http_status,
    local_network_manager,
    make_request,
    reply_header,
)
from desktopapp.ui.sse_parser import SseEvent, SseParser

log = logging.getLogger(__name__)

WATCHDOG_MS = 45_000
MAX_ERROR_BODY = 64 * 1024
FATAL_STREAM_ERRORS = frozenset({"batch_not_found", "not_found", "unauthorized", "forbidden"})


class Connection(StrEnum):
    IDLE = "idle"
    CONNECTING = "connecting"
    LIVE = "live"
    RECONNECTING = "reconnecting"
    ERROR = "error"
    FINISHED = "finished"  # `complete` received: the batch is final, the stream closed


class SseClient(QObject):
    stateChanged = Signal(object)  # dict: what changed; read photos from `state`
    connectionChanged = Signal(str)  # a Connection value
    completed = Signal(object)  # dict: the final state (without the photo list)
    errorChanged = Signal(str)  # "" when the error is cleared
    eventReceived = Signal(str)  # every dispatched event's type (ping included)

    def __init__(
        self,
        base_url: str,
        token: str,
        batch_id: int,
        *,
        policy: ReconnectPolicy | None = None,
        watchdog_ms: int = WATCHDOG_MS,
        rand: Callable[[], float] = random.random,
        clock: Callable[[], datetime] = datetime.now,
        network: QNetworkAccessManager | None = None,
        follow: bool = False,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.follow = follow
        self.base_url = base_url.rstrip("/")
        self.batch_id = batch_id
        self._token = token
        self._policy = policy or ReconnectPolicy()
        self._rand = rand
        self._clock = clock
        # One manager per stream: a stream holds its HTTP connection for good, and a
        # shared manager's six connections per host would starve the other requests.
        self._network = network or local_network_manager(self)
        self._parser = SseParser()
        self._state = BatchState(batch_id)
        self._reply: QNetworkReply | None = None
        self._announced = False
        self._error_body = bytearray()
        self._connection = Connection.IDLE
        self._error: str | None = None
        self._error_code: str | None = None
        self._last_update: datetime | None = None
        self._attempt = 0
        self._events_seen = 0
        self.connect_log: list[str] = []  # the Last-Event-ID of each connection ("" = none)
        self.scheduled_delay_ms = 0  # the last reconnection delay chosen
        self._reconnect_timer = QTimer(self, singleShot=True)
        self._reconnect_timer.timeout.connect(self._connect)
        self._watchdog = QTimer(self, singleShot=True, interval=watchdog_ms)
        self._watchdog.timeout.connect(self._on_silence)

    # -- what the seed hook exposed ----------------------------------------------------
    @property
    def data(self) -> dict[str, Any] | None:
        """The merged batch state (payload shape), None until the first state arrived."""
        return self._state.as_dict() if self._state.has_snapshot or self._events_seen else None

    @property
    def state(self) -> BatchState:
        return self._state

    @property
    def isLoading(self) -> bool:
        return self._connection in (Connection.CONNECTING, Connection.RECONNECTING) and not (
            self._state.has_snapshot or self._events_seen
        )

    @property
    def error(self) -> str | None:
        return self._error

    @property
    def errorCode(self) -> str | None:
        return self._error_code

    @property
    def isConnected(self) -> bool:
        return self._connection == Connection.LIVE

    @property
    def lastUpdate(self) -> datetime | None:
        return self._last_update

    # -- more state ------------------------------------------------------------------
    @property
    def connection(self) -> Connection:
        return self._connection

    @property
    def attempt(self) -> int:
        """The reconnection attempt in progress or scheduled (0 while connected)."""
        return self._attempt

    @property
    def max_attempts(self) -> int:
        return self._policy.max_attempts

    @property
    def last_event_id(self) -> str:
        return self._parser.last_event_id

    @property
    def reconnect_in_ms(self) -> int:
        return self._reconnect_timer.remainingTime() if self._reconnect_timer.isActive() else 0

    @property
    def is_finished(self) -> bool:
        return self._connection == Connection.FINISHED

    # -- control ---------------------------------------------------------------------
    @Slot()
    def start(self) -> None:
        if self._reply is None and self._connection in (Connection.IDLE, Connection.ERROR):
            self._connect()

    @Slot()
    def retry(self) -> None:
        """Start over after the error state (the F5 key and the Retry button)."""
        if self._connection == Connection.FINISHED:
            return
        self._reconnect_timer.stop()
        self._drop_reply()
        self._attempt = 0
        self._set_error(None, None)
        self._connect()

    @Slot()
    def resume(self) -> None:
        """Follow a finished batch again (it got more work: failed photos retried).

        Reconnects with the last event id: the server replays what happened since.
        """
        if self._connection == Connection.FINISHED:
            self._attempt = 0
            self._set_connection(Connection.IDLE)
            self._connect()

    @Slot()
    def close(self) -> None:
        """Stop for good: no reconnect; what was received stays readable."""
        self._reconnect_timer.stop()
        self._watchdog.stop()
        self._drop_reply()
        if self._connection not in (Connection.FINISHED, Connection.ERROR):
            self._set_connection(Connection.IDLE)

    # -- connection ------------------------------------------------------------------
    def _connect(self) -> None:
        self._drop_reply()
        headers = {"Accept": "text/event-stream", "Cache-Control": "no-cache"}
        if self._parser.last_event_id:
            headers["Last-Event-ID"] = self._parser.last_event_id
        self.connect_log = [*self.connect_log[-19:], self._parser.last_event_id]
        url = f"{self.base_url}/api/batches/{self.batch_id}/stream"
        if self.follow:
            url += "?follow=1"
        request = make_request(url, self._token, headers)
        request.setTransferTimeout(0)  # the watchdog decides when silence is too long
        self._parser.reset_stream()
        self._announced = False
        self._error_body.clear()
        reply = self._network.get(request)
        reply.setReadBufferSize(0)
        self._reply = reply
        # Bound slots, not lambdas: Qt drops them when this object dies, so a reply
        # destroyed with its manager never calls into a half-destroyed client.
        reply.metaDataChanged.connect(self._on_meta_data)
        reply.readyRead.connect(self._on_ready_read)
        reply.finished.connect(self._on_finished)
        if self._connection != Connection.FINISHED:  # following a finished batch: quietly
            self._set_connection(
                Connection.RECONNECTING if self._attempt else Connection.CONNECTING
            )
        self._watchdog.start()

    def _drop_reply(self) -> None:
        reply, self._reply = self._reply, None
        if reply is not None:
            reply.abort()  # its signals now find `reply is not self._reply` and return
            reply.deleteLater()

    def _current(self) -> QNetworkReply | None:
        """The reply behind the signal being handled, if it is the current one."""
        reply = self.sender()
        return reply if reply is not None and reply is self._reply else None

    @Slot()
    def _on_meta_data(self) -> None:
        reply = self._current()
        if reply is not None:
            self._on_headers(reply)

    def _on_headers(self, reply: QNetworkReply) -> None:
        if self._announced:
            return
        status = http_status(reply)
        content_type = reply_header(reply, "Content-Type").lower()
        if status == 200 and content_type.startswith("text/event-stream"):
            self._announced = True
            self._attempt = 0
            self._set_error(None, None)
            if self._connection != Connection.FINISHED:
                self._set_connection(Connection.LIVE)

    @Slot()
    def _on_ready_read(self) -> None:
        reply = self._current()
        if reply is None:
            return
        self._watchdog.start()
        self._on_headers(reply)
        chunk = reply.readAll().data()
        if not self._announced:
            if len(self._error_body) < MAX_ERROR_BODY:
                self._error_body.extend(chunk[: MAX_ERROR_BODY - len(self._error_body)])
            return
        self._handle_events(self._parser.feed(chunk))

    def _handle_events(self, events: list[SseEvent]) -> None:
        change: Change | None = None
        final: dict[str, Any] | None = None
        reconnect_now = False
        for event in events:
            if self._reply is None:
                break  # an earlier event of this chunk ended the connection
            self.eventReceived.emit(event.type)
            if event.type in ("progress", "complete"):
                payload = _json(event.data)
                if payload is None:
                    continue
                step = self._state.apply(payload)
                self._events_seen += 1
                if change is None:
                    change = step
                else:
                    change.absorb(step)
                self._last_update = self._clock()
                if event.type == "complete":
                    final = payload
                    if not self.follow:
                        break
            elif event.type == "timeout":
                reconnect_now = True
                break
            elif event.type == "error":
                payload = _json(event.data) or {}
                code = str(payload.get("code") or "stream_error")
                message = str(payload.get("message") or "The server ended the live progress.")
                self._set_error(message, code)
                if code in FATAL_STREAM_ERRORS:
                    self._fail(message, code)
                    break
        if change is not None:
            self.stateChanged.emit(self._change_dict(change))
        if final is not None:
            self._finish()
        elif reconnect_now:
            self._drop_reply()
            self._connect()

    @Slot()
    def _on_finished(self) -> None:
        reply = self._current()
        if reply is None:
            return
        self._reply = None
        reply.deleteLater()
        if self._connection == Connection.ERROR or (
            self._connection == Connection.FINISHED and not self.follow
        ):
            return
        self._watchdog.stop()
        if self._announced:
            self._parser.finish()  # an unfinished event is discarded
            log.info("stream of batch %s ended; reconnecting", self.batch_id)
            self._schedule_reconnect()
            return
        status = http_status(reply)
        code, message = error_message_from_body(bytes(self._error_body))
        if status is None:  # no HTTP answer at all: refused, reset, unreachable
            self._set_error(reply.errorString() or "The local server does not answer.", "network")
            self._schedule_reconnect()
        elif status in (429, 503) or status >= 500:
            retry_after = parse_retry_after(reply_header(reply, "Retry-After"))
            self._set_error(message or f"The server answered {status}.", code or f"http_{status}")
            self._schedule_reconnect(retry_after)
        elif status == 200:
            self._fail("The server did not answer with an event stream.", "bad_content_type")
        else:
            self._fail(message or f"The server answered {status}.", code or f"http_{status}")

    def _on_silence(self) -> None:
        if self._reply is None:
            return
        log.info("stream of batch %s silent too long; reconnecting", self.batch_id)
        self._drop_reply()
        self._set_error("The live progress went silent.", "silence")
        self._schedule_reconnect()

    def _schedule_reconnect(self, retry_after_ms: int | None = None) -> None:
        self._attempt += 1
        delay = self._policy.with_base(self._parser.retry).delay_ms(
            self._attempt, retry_after_ms, self._rand()
        )
        if delay is None:
            self._attempt = self._policy.max_attempts
            self._fail(self._error or "The live progress could not reconnect.", self._error_code)
            return
        self.scheduled_delay_ms = delay
        self._reconnect_timer.start(delay)
        if self._connection != Connection.FINISHED:
            self._set_connection(Connection.RECONNECTING)

    def _finish(self) -> None:
        self._attempt = 0
        self._set_error(None, None)
        if self.follow:  # the stream stays open for corrections; `completed` only once
            if self._connection == Connection.FINISHED:
                return
            self._set_connection(Connection.FINISHED)
        else:
            self._watchdog.stop()
            self._reconnect_timer.stop()
            self._drop_reply()
            self._set_connection(Connection.FINISHED)
        summary = {key: value for key, value in self._state.as_dict().items() if key != "photos"}
        self.completed.emit(summary)

    def _fail(self, message: str, code: str | None) -> None:
        self._watchdog.stop()
        self._reconnect_timer.stop()
        self._drop_reply()
        self._set_error(message, code)
        self._set_connection(Connection.ERROR)

    # -- notifications -----------------------------------------------------------------
    def _change_dict(self, change: Change) -> dict[str, Any]:
        out = change.as_dict()
        out.update(
            status=self._state.status,
            progress=self._state.progress,
            counts=dict(self._state.counts),
        )
        return out

    def _set_connection(self, connection: Connection) -> None:
        if connection != self._connection:
            self._connection = connection
            self.connectionChanged.emit(connection.value)

    def _set_error(self, message: str | None, code: str | None) -> None:
        self._error_code = code
        if message != self._error:
            self._error = message
            self.errorChanged.emit(message or "")


def _json(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except ValueError:
        log.warning("ignored a stream event that is not JSON")
        return None
    return value if isinstance(value, dict) else None


__all__ = ["Connection", "SseClient"]
