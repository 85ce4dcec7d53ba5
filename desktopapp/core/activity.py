"""What each worker is doing now, and how long each stage of a photo took.

    watch = activity.begin(photo_id, batch_id, file_name, queued_at)
    watch.stage("copy"); ...; watch.stage("decode"); ...
    timings = watch.finish()     # {"wait", "copy", "decode", "detect", "write", "total"}

In memory only (the dashboard's "workers" line); the timings are stored with the photo.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

STAGES = ("copy", "decode", "detect", "write")


@dataclass
class Watch:
    photo_id: int
    batch_id: int
    file_name: str
    worker: str
    started: float
    wait: float
    stage_name: str = "claim"
    stage_started: float = 0.0
    durations: dict[str, float] = field(default_factory=dict)
    _registry: Activity | None = None

    def stage(self, name: str) -> None:
        now = time.time()
        if self.stage_name in STAGES:
            self.durations[self.stage_name] = round(now - self.stage_started, 4)
        self.stage_name, self.stage_started = name, now

    def finish(self) -> dict[str, float]:
        self.stage("done")
        if self._registry is not None:
            self._registry.end(self)
        return {
            "wait": round(self.wait, 4),
            **self.durations,
            "total": round(time.time() - self.started, 4),
        }


class Activity:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._now: dict[int, Watch] = {}

    def begin(self, photo_id: int, batch_id: int, file_name: str, queued_at: float) -> Watch:
        now = time.time()
        watch = Watch(
            photo_id,
            batch_id,
            file_name,
            threading.current_thread().name,
            now,
            max(0.0, now - queued_at),
            stage_started=now,
            _registry=self,
        )
        with self._lock:
            self._now[photo_id] = watch
        return watch

    def end(self, watch: Watch) -> None:
        with self._lock:
            if self._now.get(watch.photo_id) is watch:
                del self._now[watch.photo_id]

    def workers(self) -> list[dict[str, Any]]:
        """What runs now: one entry per busy worker."""
        now = time.time()
        with self._lock:
            watches = list(self._now.values())
        return [
            {
                "worker": watch.worker,
                "photoId": watch.photo_id,
                "batchId": watch.batch_id,
                "fileName": watch.file_name,
                "stage": watch.stage_name,
                "seconds": round(now - watch.started, 2),
            }
            for watch in sorted(watches, key=lambda w: w.worker)
        ]
