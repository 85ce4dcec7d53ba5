"""The bus across processes: a commit on any machine wakes the streams of every server.

    bridge = PgBusBridge(url, bus); bridge.start(); ...; bridge.stop()

PostgreSQL's LISTEN/NOTIFY, not Redis pub/sub: `journal.WriteTransaction` sends the
notification inside the transaction that writes the journal rows, and PostgreSQL
delivers it at COMMIT, never before the rows are visible and never for a rollback.
Redis would need a second, non-transactional publish after COMMIT (lost if the writer dies
between the two) and would make the bus depend on a second service.

The message is only a wake-up ("batch B has events up to N"); the journal stays the
truth. Notifications can be lost (a dropped LISTEN connection, a database restart), so
the bridge also re-reads the newest journal ids every `safety_interval` seconds and
after every reconnection: a lost message delays an event by at most that, never loses it.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from desktopapp.core.db_postgres import CHANNEL, postgres_params, process_tag
from desktopapp.core.events import EventBus

log = logging.getLogger(__name__)

# The safety re-read looks this many journal ids below the newest seen: ids are taken at
# INSERT and seen at COMMIT, so a batch's older id can appear after another's newer one.
REREAD_MARGIN = 10_000
_HEADS_SQL = "SELECT batch_id, MAX(id) FROM event WHERE id > %s GROUP BY batch_id"


class PgBusBridge:
    def __init__(self, url: str, bus: EventBus, safety_interval: float = 2.0) -> None:
        self._params = postgres_params(url)
        self._params["dbname"] = self._params.pop("database")
        self._bus = bus
        self.safety_interval = safety_interval
        self._heads: dict[int, int] = {}
        self._newest = 0
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.connected = threading.Event()  # set while LISTENing (tests wait on it)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="photolot-pg-bus", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()  # seen within `safety_interval` (the wait for notifications)
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        import psycopg

        backoff = 0.2
        while not self._stopping.is_set():
            try:
                with psycopg.connect(autocommit=True, connect_timeout=5, **self._params) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.connected.set()
                    backoff = 0.2
                    self._reread(conn)  # whatever was missed while not listening
                    while not self._stopping.is_set():
                        for note in conn.notifies(timeout=self.safety_interval):
                            self._heard(note.payload)
                        self._reread(conn)
            except Exception as exc:  # the database restarted, or is not there yet
                self.connected.clear()
                if self._stopping.is_set():
                    break
                log.warning("the bus lost PostgreSQL (%s): listening again", exc)
                self._stopping.wait(backoff)
                backoff = min(backoff * 2, 5.0)
        self.connected.clear()

    def _heard(self, payload: str) -> None:
        batch_text, _, rest = payload.partition(":")
        head_text, _, origin = rest.partition(":")
        try:
            batch, head = int(batch_text), int(head_text)
        except ValueError:
            return
        if origin == process_tag():  # our own commit: its writer tells our followers
            self._heads[batch] = max(self._heads.get(batch, 0), head)
            return
        self._publish(batch, head)

    def _reread(self, conn: Any) -> None:
        floor = max(0, self._newest - REREAD_MARGIN)
        for batch, head in conn.execute(_HEADS_SQL, (floor,)).fetchall():
            self._publish(int(batch), int(head))

    def _publish(self, batch: int, head: int) -> None:
        if head <= self._heads.get(batch, 0):
            return
        self._heads[batch] = head
        self._newest = max(self._newest, head)
        self._bus.publish(batch, head)
