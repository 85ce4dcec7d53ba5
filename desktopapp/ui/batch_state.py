"""A batch's state as the client sees it, and how stream payloads change it. Pure Python.

    state = BatchState(batch_id)
    change = state.apply(payload)      # the data of a `progress` or `complete` event
    change.full                        # the photo list was replaced: reset any view
    change.added                       # ids appended at the end, in order
    change.changed                     # ids of existing rows whose content changed

A payload with "snapshot": true carries every photo: it replaces the list (photos no
longer present are removed). When a snapshot lists the same photos in the same order
as before (a reconnect that got a fresh snapshot), it is merged in place, so views keep
their rows and only repaint what changed. Any other payload carries only the photos
that changed, merged by id: a photo seen twice stays one row. Counts, status and
percent are taken from the server as they are; the client never recounts. This is the
Python twin of `resources/web/sse-state.js`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

FINAL_STATUSES = frozenset({"COMPLETED", "PARTIAL", "FAILED", "CANCELLED"})
COUNT_KEYS = ("queued", "processing", "completed", "failed", "total")
META_KEYS = {
    "project": "project",
    "createdAt": "created_at",
    "skipped": "skipped",
    "notices": "notices",
    "review": "review",  # the batch's name, move header, undo / redo (corrections)
}


def is_final(status: str | None) -> bool:
    return status in FINAL_STATUSES


def normalise_counts(counts: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for key in COUNT_KEYS:
        value = counts.get(key) if isinstance(counts, Mapping) else None
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            number = 0.0
        out[key] = int(number) if math.isfinite(number) and number > 0 else 0
    if not out["total"]:
        out["total"] = out["queued"] + out["processing"] + out["completed"] + out["failed"]
    return out


@dataclass
class Change:
    full: bool = False
    added: list[Any] = field(default_factory=list)
    changed: list[Any] = field(default_factory=list)
    removed: list[Any] = field(default_factory=list)
    status_changed: bool = False
    summary_changed: bool = False
    meta_changed: bool = False
    previous_status: str | None = None
    # Whether the newest event that changed the inventory (photos or summary) carried the
    # summary: True, False, or None when no event of this change touched the inventory.
    summary_fresh: bool | None = None

    @property
    def photos_changed(self) -> bool:
        return self.full or bool(self.added or self.changed or self.removed)

    def absorb(self, later: Change) -> None:
        """Fold a later change into this one (several events read in one chunk)."""
        if later.full:
            self.full = True
            self.added, self.changed = [], list(later.changed)
            self.removed = list(dict.fromkeys([*self.removed, *later.removed]))
        elif self.full:
            self.changed = list(dict.fromkeys([*self.changed, *later.added, *later.changed]))
        else:
            added = set(self.added)
            self.added.extend(pid for pid in later.added if pid not in added)
            known = added | set(self.changed)
            self.changed.extend(pid for pid in later.changed if pid not in known)
        self.status_changed = self.status_changed or later.status_changed
        self.summary_changed = self.summary_changed or later.summary_changed
        self.meta_changed = self.meta_changed or later.meta_changed
        if later.summary_fresh is not None:
            self.summary_fresh = later.summary_fresh

    def as_dict(self) -> dict[str, Any]:
        return {
            "full": self.full,
            "added": list(self.added),
            "changed": list(self.changed),
            "removed": list(self.removed),
            "statusChanged": self.status_changed,
            "summaryChanged": self.summary_changed,
            "previousStatus": self.previous_status,
            "summaryFresh": self.summary_fresh,
        }


@dataclass
class BatchState:
    batch_id: Any = None
    status: str | None = None
    progress: int = 0
    counts: dict[str, int] = field(default_factory=lambda: normalise_counts({}))
    inventory_summary: dict[str, Any] | None = None
    project: str | None = None
    created_at: Any = None
    skipped: list[Any] = field(default_factory=list)
    notices: list[Any] = field(default_factory=list)
    review: dict[str, Any] = field(default_factory=dict)
    has_snapshot: bool = False
    photos: dict[Any, dict[str, Any]] = field(default_factory=dict)
    order: list[Any] = field(default_factory=list)
    _rows: dict[Any, int] = field(default_factory=dict, repr=False)

    # -- reading --------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.order)

    def photo_at(self, row: int) -> dict[str, Any]:
        return self.photos[self.order[row]]

    def row_of(self, photo_id: Any) -> int | None:
        return self._rows.get(photo_id)

    @property
    def is_final(self) -> bool:
        return is_final(self.status)

    @property
    def processed(self) -> int:
        return self.counts["completed"] + self.counts["failed"]

    def as_dict(self) -> dict[str, Any]:
        """The merged state in the server's payload shape (the seed hook's `data`)."""
        return {
            "batchId": self.batch_id,
            "status": self.status,
            "progress": self.progress,
            "counts": dict(self.counts),
            "photos": [dict(self.photos[photo_id]) for photo_id in self.order],
            "inventorySummary": self.inventory_summary,
            "project": self.project,
            "createdAt": self.created_at,
            "skipped": list(self.skipped),
            "notices": list(self.notices),
            "review": dict(self.review),
        }

    # -- merging --------------------------------------------------------------------
    def apply(self, payload: Any) -> Change:
        change = Change(previous_status=self.status)
        if not isinstance(payload, Mapping):
            return change
        photos = payload.get("photos")
        if isinstance(photos, list):
            if payload.get("snapshot") is True:
                self._replace(photos, change)
            else:
                self._merge(photos, change)
        if "counts" in payload:
            self.counts = normalise_counts(payload["counts"])
        value = payload.get("progress")
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            self.progress = max(0, min(100, int(value)))
        status = payload.get("status")
        if isinstance(status, str) and status:
            self.status = status
        if payload.get("batchId") is not None:
            self.batch_id = payload["batchId"]
        if "inventorySummary" in payload:
            summary = payload["inventorySummary"]
            self.inventory_summary = dict(summary) if isinstance(summary, Mapping) else None
            change.summary_changed = True
            change.summary_fresh = True
        elif change.photos_changed:
            change.summary_fresh = False
        for key, attribute in META_KEYS.items():
            if key in payload and payload[key] is not None:
                setattr(self, attribute, payload[key])
                change.meta_changed = True
        change.status_changed = self.status != change.previous_status
        return change

    def _replace(self, photos: list[Any], change: Change) -> None:
        fresh: dict[Any, dict[str, Any]] = {}
        order: list[Any] = []
        for photo in photos:
            if not isinstance(photo, Mapping) or photo.get("id") is None:
                continue
            if photo["id"] not in fresh:
                order.append(photo["id"])
            fresh[photo["id"]] = dict(photo)
        self.has_snapshot = True
        if order == self.order:  # same rows: update in place, only what differs
            change.changed = [pid for pid in order if self.photos[pid] != fresh[pid]]
            self.photos = fresh
            return
        if order[: len(self.order)] == self.order:  # same rows plus new ones at the end
            change.changed = [pid for pid in self.order if self.photos[pid] != fresh[pid]]
            change.added = order[len(self.order) :]
            for pid in change.added:
                self._rows[pid] = len(self._rows)
            self.photos, self.order = fresh, order
            return
        change.full = True
        change.removed = [pid for pid in self.order if pid not in fresh]
        change.changed = list(order)
        self.photos, self.order = fresh, order
        self._rows = {pid: row for row, pid in enumerate(order)}

    def _merge(self, photos: list[Any], change: Change) -> None:
        seen: set[Any] = set()
        for photo in photos:
            if not isinstance(photo, Mapping) or photo.get("id") is None:
                continue
            pid = photo["id"]
            existing = self.photos.get(pid)
            if existing is None:
                self.photos[pid] = dict(photo)
                self._rows[pid] = len(self.order)
                self.order.append(pid)
                change.added.append(pid)
                seen.add(pid)
                continue
            if any(existing.get(key, _MISSING) != value for key, value in photo.items()):
                existing.update(photo)
                if pid not in seen:
                    seen.add(pid)
                    change.changed.append(pid)


_MISSING = object()
