"""Which finished photo of the same batch a new photo looks like (pHash distance).

The pHashes of a batch's DONE photos are read from the database once, the first time
the batch is asked about, then kept in step by the pipeline, which records each photo
in the same write transaction that marks it DONE. A check is then a scan of a few
thousand integers in memory instead of a query returning every finished photo's row
(which made a 1,000-photo batch read half a million rows).

`match_and_add` is called inside that write transaction: transactions are serialized,
so the photo compares itself with every photo committed before it, and the ones
after it compare themselves with it. `forget` undoes an add whose transaction rolled
back. Only a handful of recent batches are kept; an evicted batch is simply read again.

A team (`shared`): other processes finish photos of the same batch, which this one's
memory never sees; the batch is read again at every check (three small columns; the
pipeline holds the batch's journal lock then, so the checks of one batch still run one
after the other, whichever machine makes them).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from peewee import SqliteDatabase

from desktopapp.core.db import DONE
from desktopapp.core.imaging import NEAR_DUPLICATE_DISTANCE, hamming

KEPT_BATCHES = 8

_LOAD_SQL = (
    "SELECT id, position, phash FROM photo WHERE batch_id = ? AND status = ? AND phash IS NOT NULL"
)


class NearDuplicateIndex:
    def __init__(
        self, db: SqliteDatabase, distance: int = NEAR_DUPLICATE_DISTANCE, shared: bool = False
    ) -> None:
        self._db = db
        self._shared = shared
        self._distance = distance
        self._lock = threading.Lock()
        # batch id → {photo id: (position, phash)}, most recently used last
        self._batches: OrderedDict[int, dict[int, tuple[int, int]]] = OrderedDict()

    def match_and_add(self, batch_id: int, photo_id: int, position: int, phash: int) -> int | None:
        """The id of the first photo (by position) within the distance, then remember this one.

        Call inside the write transaction that makes the photo DONE.
        """
        with self._lock:
            photos = self._batch(batch_id)
            best: tuple[int, int] | None = None  # (position, id)
            limit = self._distance
            for other_id, (other_position, other_hash) in photos.items():
                candidate = (other_position, other_id)
                if (
                    other_id != photo_id
                    and hamming(phash, other_hash) <= limit
                    and (best is None or candidate < best)
                ):
                    best = candidate
            photos[photo_id] = (position, phash)
        return best[1] if best is not None else None

    def forget(self, batch_id: int, photo_id: int) -> None:
        with self._lock:
            photos = self._batches.get(batch_id)
            if photos is not None:
                photos.pop(photo_id, None)

    def drop_batch(self, batch_id: int) -> None:
        with self._lock:
            self._batches.pop(batch_id, None)

    def _batch(self, batch_id: int) -> dict[int, tuple[int, int]]:
        photos = None if self._shared else self._batches.get(batch_id)
        if photos is None:
            rows = self._db.execute_sql(_LOAD_SQL, (batch_id, DONE)).fetchall()
            photos = {photo_id: (position, int(phash, 16)) for photo_id, position, phash in rows}
            self._batches[batch_id] = photos
            while len(self._batches) > KEPT_BATCHES:
                self._batches.popitem(last=False)
        else:
            self._batches.move_to_end(batch_id)
        return photos
