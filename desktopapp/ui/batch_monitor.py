"""`BatchMonitor`: the streams the window follows, one `SseClient` per batch.

The shown batch always has a stream; so do batches still running (up to a few), so
their history rows move live and their completion can be announced even when
another batch is on screen. A batch first seen already finished is never announced.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from desktopapp.ui.batch_state import is_final
from desktopapp.ui.sse_client import SseClient

MAX_LIVE_STREAMS = 6  # running batches followed at once (the shown one always is)
MAX_KEPT = 12  # finished batches whose state stays in memory for a quick switch back

ClientFactory = Callable[[int], SseClient]


class BatchMonitor(QObject):
    batchUpdated = Signal(int, object)  # (batch id, {"status", "progress", "counts", ...})
    batchFinished = Signal(int, object)  # (batch id, final state without photos)

    def __init__(self, factory: ClientFactory, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._factory = factory
        self._clients: dict[int, SseClient] = {}  # insertion order = last use
        self._seen_running: set[int] = set()
        self.current: int | None = None
        self.closed = False

    def client(self, batch_id: int) -> SseClient | None:
        return self._clients.get(batch_id)

    @property
    def clients(self) -> dict[int, SseClient]:
        return dict(self._clients)

    def follow(self, batch_id: int, current: bool = False) -> SseClient | None:
        """Get (or open) the stream of a batch; `current`: it is the one on screen."""
        if self.closed:
            return None
        client = self._clients.pop(batch_id, None)
        if client is None:
            client = self._factory(batch_id)
            client.setParent(self)
            client.stateChanged.connect(self._on_change)
            client.completed.connect(self._on_completed)
        self._clients[batch_id] = client  # most recently used last
        if current:
            self.current = batch_id
        client.start()
        self._trim()
        return client

    def expect_completion(self, batch_id: int) -> None:
        """Announce this batch's end even if its first state is already final (ours)."""
        self._seen_running.add(batch_id)

    def _sender_batch(self) -> int | None:
        client = self.sender()
        if isinstance(client, SseClient) and self._clients.get(client.batch_id) is client:
            return client.batch_id
        return None

    @Slot(object)
    def _on_change(self, _change: dict[str, Any]) -> None:
        batch_id = self._sender_batch()
        if batch_id is None:
            return
        client = self._clients[batch_id]
        state = client.state
        if state.status and not is_final(state.status):
            self._seen_running.add(batch_id)
        self.batchUpdated.emit(
            batch_id,
            {
                "status": state.status,
                "progress": state.progress,
                "counts": dict(state.counts),
                "project": state.project,
                "createdAt": state.created_at,
                "name": (state.review or {}).get("name") if state.review else None,
            },
        )

    @Slot(object)
    def _on_completed(self, final: dict[str, Any]) -> None:
        batch_id = self._sender_batch()
        if batch_id is not None and batch_id in self._seen_running:
            self._seen_running.discard(batch_id)
            self.batchFinished.emit(batch_id, final)
        self._trim()

    def _trim(self) -> None:
        live = [b for b, c in self._clients.items() if not c.is_finished and b != self.current]
        for batch_id in live[: max(0, len(live) - MAX_LIVE_STREAMS)]:
            self._drop(batch_id)
        kept = [b for b in self._clients if b != self.current]
        for batch_id in kept[: max(0, len(kept) - MAX_KEPT)]:
            self._drop(batch_id)

    def _drop(self, batch_id: int) -> None:
        client = self._clients.pop(batch_id, None)
        if client is not None:
            client.close()
            client.deleteLater()
        self._seen_running.discard(batch_id)

    def forget(self, batch_id: int) -> None:
        """The batch is gone (deleted): close its stream, keep nothing of it."""
        self._drop(batch_id)
        if self.current == batch_id:
            self.current = None

    def retry_current(self) -> None:
        client = self._clients.get(self.current) if self.current is not None else None
        if client is not None:
            client.retry()

    def close_all(self) -> None:
        self.closed = True
        for batch_id in list(self._clients):
            client = self._clients.pop(batch_id)
            client.close()
