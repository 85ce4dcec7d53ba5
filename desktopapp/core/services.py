"""The core services: database, bus, analyzer, queue and workers (no server, no UI).

core = Core(settings)        # opens and migrates the database
core.start()                 # re-queues unfinished photos, then starts the workers
result = core.create_batch(paths)
core.stop()
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any

from desktopapp.core import progress, queue_dashboard, state, tasks
from desktopapp.core.cleanup import sweep_orphans
from desktopapp.core.db import open_database
from desktopapp.core.db_postgres import database_clock, open_postgres
from desktopapp.core.events import EventBus
from desktopapp.core.imaging import MAX_PIXELS
from desktopapp.core.intake import IntakeResult, batch_of_same_files, create_batch
from desktopapp.core.leases import Leases, new_worker_id, team_workers
from desktopapp.core.model_setup import (
    SAMPLE_PHOTO,
    check_model,
    check_request,
    model_config,
    model_key,
)
from desktopapp.core.near_duplicates import NearDuplicateIndex
from desktopapp.core.pg_bus import PgBusBridge
from desktopapp.core.pipeline import Pipeline
from desktopapp.core.queue_control import QueueControl
from desktopapp.core.reanalysis import Reanalysis, ReanalysisResult
from desktopapp.core.review import Review
from desktopapp.core.store import READ_TIMEOUT, sweep_incoming
from desktopapp.inventory import load_app_catalogue, make_analyzer
from desktopapp.inventory.vision import ChatClient, VisionAnalyzer
from desktopapp.platform.datadir_lock import DataDirLock
from desktopapp.platform.paths import resources_dir
from desktopapp.platform.settings import Settings
from desktopapp.platform.thread_priority import lower_current_thread_priority

log = logging.getLogger(__name__)


class Core:
    def __init__(self, settings: Settings, bus: EventBus | None = None) -> None:
        self.settings = settings
        self.paths = settings.paths.ensure()
        self.worker_id = new_worker_id()
        self._lock: DataDirLock | None = None
        if settings.team:  # PostgreSQL + Redis, shared with other processes (core.leases)
            self.db = open_postgres(settings.database_url)
        else:
            # before touching the database: recover() assumes nobody else runs its photos
            self._lock = DataDirLock(self.paths.root).acquire()
            try:
                self.db = open_database(self.paths.database)
            except BaseException:
                self._lock.release()
                raise
        self.bus = bus or EventBus()
        resources = resources_dir()
        self.catalogue, catalogue_problem = load_app_catalogue(resources, self.paths.root)
        self.notices = [catalogue_problem] if catalogue_problem else []
        self.analyzer = make_analyzer(settings.analyzer, resources, self.catalogue)
        vision = model_config(settings)  # an optional model server (inventory.vision)
        if vision is not None:
            self.analyzer = VisionAnalyzer(
                self.analyzer, ChatClient(vision), self.catalogue, vision
            )
        self.pipeline = Pipeline(
            db=self.db,
            bus=self.bus,
            paths=self.paths,
            analyzer=self.analyzer,
            schedule_retry=self._schedule_retry,
            near_duplicates=NearDuplicateIndex(self.db, shared=settings.team),
            max_pixels=settings.max_pixels or MAX_PIXELS,
            catalogue=self.catalogue,
            worker_id=self.worker_id,
            lease_seconds=settings.lease_seconds,
            clock=(lambda: database_clock(self.db)) if settings.team else time.time,
        )
        self.queue = tasks.PhotoQueue(self.db, self.pipeline.run, redis_url=settings.queue_url)
        self.leases: Leases | None = None
        self.bus_bridge: PgBusBridge | None = None
        if settings.team:
            self.leases = Leases(
                self.db,
                self.bus,
                self.queue,
                self.worker_id,
                settings.lease_seconds,
                housekeeping=self._sweep_abandoned_copies,
            )
            activity = self.pipeline.activity  # a claim is renewed while a thread runs it
            self.leases.running = lambda: [w["photoId"] for w in activity.workers()]
            self.bus_bridge = PgBusBridge(settings.database_url, self.bus)
        self.review = Review(self.db, self.bus, self.catalogue, self.paths)
        self.queue_control = QueueControl(self.db, self.bus, self.queue)
        self.reanalysis = Reanalysis(self.db, self.bus, self.queue, self.catalogue)
        self._model_timer: threading.Timer | None = None
        self._stopping = threading.Event()
        self._recovery: threading.Thread | None = None

    def _schedule_retry(self, photo_id: int, delay: float) -> None:
        self.queue.schedule(photo_id, delay)

    def start(self) -> int:
        """Re-queue what a previous run left unfinished, then start the workers."""
        if self.settings.team:
            return self._start_team()
        sweep_incoming(self.paths.store)
        sweep_incoming(self.paths.thumbs)
        sweep_incoming(self.paths.previews)
        sweep_orphans(self.db, self.paths)  # before the workers: nobody uses those files
        requeued = tasks.recover(self.db, self.bus, self.queue)
        self._prepare_analyzer()
        self.queue.start(self.settings.workers)
        self._start_recovery()
        return requeued

    def _sweep_abandoned_copies(self) -> int:
        """A team's store is shared: only temp files nobody has written to for a lease."""
        idle = 2 * max(self.settings.lease_seconds, READ_TIMEOUT)  # a slow copy keeps writing
        return sum(
            sweep_incoming(folder, idle_for=idle)
            for folder in (self.paths.store, self.paths.thumbs, self.paths.previews)
        )

    def _start_team(self) -> int:
        """A team's process: no start-up recovery (others run photos now); leases take
        back a dead worker's photos and queue lost ones, and the bus hears other
        processes' commits. Workers only when asked (`photolot serve` runs none)."""
        assert self.leases is not None and self.bus_bridge is not None
        self._sweep_abandoned_copies()  # a crash's leftovers, as the desktop does at start
        self.bus_bridge.start()
        self.leases.start()
        if self.settings.workers > 0:
            self._prepare_analyzer()
            self.queue.start(self.settings.workers)
            self.leases.threads = self.settings.workers
            self.leases.register()  # counted by every server's dashboard from now on
        return 0

    # A photo whose task was lost (a full disk refused the write that claimed it or
    # recorded its result) is queued again this often, while PhotoLot runs.
    RECOVERY_INTERVAL = 30.0

    def _start_recovery(self) -> None:
        def loop() -> None:
            lower_current_thread_priority()
            while not self._stopping.wait(self.RECOVERY_INTERVAL):
                try:
                    tasks.requeue_lost(self.db, self.bus, self.queue)
                except Exception:  # the disk may still be full: try again later
                    log.warning("could not check for lost photos", exc_info=True)

        self._recovery = threading.Thread(target=loop, name="photolot-recovery", daemon=True)
        self._recovery.start()

    # The model loads this long after start-up (importing onnxruntime and building two
    # sessions takes ~0.5 s of CPU and would slow the window's first paint); a photo that
    # needs it sooner loads it on its worker thread.
    MODEL_LOAD_DELAY = 2.0

    def _prepare_analyzer(self) -> None:
        """Load the model on a low-priority thread, off the GUI thread, soon after start-up,
        so a damaged model file is reported before the first photo needs it."""

        def prepare() -> None:
            lower_current_thread_priority()
            self.analyzer.prepare()

        self._model_timer = threading.Timer(self.MODEL_LOAD_DELAY, prepare)
        self._model_timer.name = "photolot-model"
        self._model_timer.daemon = True
        self._model_timer.start()

    def analyzer_problem(self) -> str | None:
        """Why object detection is off, once the model was tried; None when it works."""
        return getattr(self.analyzer, "error", None)

    def stop(self, timeout: float = 5.0) -> bool:
        self._stopping.set()
        if self._recovery is not None:
            self._recovery.join(timeout)
        if self._model_timer is not None:
            self._model_timer.cancel()  # quitting within 2 s of start: no model load
        finished = self.queue.stop(timeout)
        if self.leases is not None:
            self.leases.stop(timeout)
        if self.bus_bridge is not None:
            self.bus_bridge.stop(timeout)
        if finished:
            self.db.close()
        self.queue.cancel_timers()
        if self._lock is not None:
            self._lock.release()
        return finished

    def create_batch(
        self,
        paths: Iterable[str | os.PathLike[str]],
        project: str | None = None,
        names: Mapping[str, str] | None = None,
    ) -> IntakeResult:
        """`names`: path → the name a person knows the file by (uploads), for messages."""
        problems = [
            *self.notices,
            self.analyzer_problem(),
            getattr(self.analyzer, "privacy_notice", None),  # a model on another machine
        ]
        return create_batch(
            self.db,
            self.bus,
            self.queue,
            paths,
            project=project,
            analyzer=self.analyzer.name,
            notices=[problem for problem in problems if problem],
            names=names,
        )

    def batch_of_same_files(
        self, paths: Iterable[str | os.PathLike[str]]
    ) -> tuple[int, int] | None:
        """The newest batch made of exactly these files: dropping them again would repeat it."""
        return batch_of_same_files(self.db, paths)

    def retry_failed(self, batch_id: int) -> tasks.RetryResult:
        state.get_batch(batch_id)
        return tasks.retry_failed(self.db, self.bus, self.queue, batch_id)

    def reanalyse(
        self, batch_id: int, photo_ids: list[int] | None = None, model_notices: bool = False
    ) -> ReanalysisResult:
        """Analyse finished photos again (core.reanalysis): `photo_ids`, or those of the
        batch the model missed. A model left alone after failures is asked again."""
        forget = getattr(self.analyzer, "forget_failures", None)
        if forget is not None:  # before the photos are queued: a worker may take one at once
            forget()
        return self.reanalysis.reanalyse(batch_id, photo_ids, model_notices=model_notices)

    def check_model(self, data: Any) -> dict[str, Any]:
        """ "Test connection": the model's answer to a bundled sample photo (model_setup);
        `data` {url, model, key?, timeout?}: no key, the stored one. Raises CheckRefused."""
        request = check_request(data, model_key())
        return check_model(request, self.catalogue, resources_dir() / "samples" / SAMPLE_PHOTO)

    def snapshot(self, batch_id: int) -> dict[str, Any]:
        return state.snapshot(batch_id, self.catalogue)

    def correct(self, batch_id: int, kind: str, data: Any) -> dict[str, Any]:
        return self.review.correct(batch_id, kind, data)

    def undo(self, batch_id: int) -> dict[str, Any]:
        return self.review.undo(batch_id)

    def redo(self, batch_id: int) -> dict[str, Any]:
        return self.review.redo(batch_id)

    def delete_batch(self, batch_id: int) -> dict[str, int]:
        removed = self.review.delete_batch(batch_id)
        self.pipeline.near_duplicates.drop_batch(batch_id)
        return removed

    def queue_dashboard(self) -> dict[str, Any]:
        """Batches, workers, throughput, waits and ETAs (core.queue_dashboard)."""
        team = None
        if self.settings.team:  # every machine's workers, from the database
            team = team_workers(self.db, self.settings.lease_seconds)
            own = {job["photoId"]: job for job in self.pipeline.activity.workers()}
            team["busy"] = [own.get(job["photoId"], job) for job in team["busy"]]
        return queue_dashboard.dashboard(
            self.db, self.pipeline.activity, self.settings.workers, team_workers=team
        )

    def queue_batch_photos(self, batch_id: int) -> list[dict[str, Any]]:
        return queue_dashboard.batch_photos(batch_id)

    def clean_finished(self, older_than_days: float) -> int:
        """Delete the finished batches created more than `older_than_days` ago."""
        limit = time.time() - older_than_days * 86400
        removed = 0
        for entry in state.list_batches(limit=100_000):
            if progress.is_final(entry["status"]) and entry["createdAt"] < limit:
                self.delete_batch(entry["batchId"])
                removed += 1
        return removed

    def search_catalogue(self, text: str, limit: int = 20) -> list[dict[str, Any]]:
        """Catalogue items matching `text` in French or English (all of them for "")."""
        found = self.catalogue.search(text, limit) if text.strip() else list(self.catalogue)
        return [
            {
                "label": item.key,
                "en": item.en,
                "fr": item.fr,
                "unitVolume_m3": round(item.volume_m3, 3),
                "fragile": item.fragile,
                "dismountable": item.dismountable,
            }
            for item in found[: max(limit, 0) or None]
        ]
