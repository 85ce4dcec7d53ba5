"""`ServerApi`: what the server may call on the core, handed over by the composition root.

Plain synchronous callables (calibre embedded-server style): the server runs them
on its database threads, never on its event loop. `ServerApi.from_core(core)`
builds one from a `desktopapp.core.services.Core`; tests may build one by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktopapp import __version__
from desktopapp.core import journal, state
from desktopapp.core.events import EventBus
from desktopapp.core.intake import IntakeResult
from desktopapp.core.journal import JournalEntry
from desktopapp.core.reanalysis import ReanalysisResult
from desktopapp.core.tasks import RetryResult
from desktopapp.server import queries
from desktopapp.server.queries import Preview, Thumbnail

if TYPE_CHECKING:
    from desktopapp.core.services import Core


@dataclass(frozen=True)
class ServerApi:
    bus: EventBus
    """Wake-ups "batch B has events up to N"; the server subscribes one listener."""
    create_batch: Callable[..., IntakeResult]
    """(paths, project, names=None) → IntakeResult; `names`: stored path → the name the
    browser sent (never shown: server paths); raises intake.NothingToImport."""
    batch_of_same_files: Callable[[list[str]], tuple[int, int] | None]
    """paths → (batch id, photos) of the newest batch made of exactly those files, or None."""
    retry_failed: Callable[[int], RetryResult]
    """batch id → photos re-queued, and the failed ones not worth a retry; raises
    state.BatchNotFound."""
    snapshot: Callable[[int], dict[str, Any]]
    """batch id → full state (DESIGN.md); raises state.BatchNotFound."""
    snapshot_at_head: Callable[[int], tuple[dict[str, Any], int]]
    """batch id → (full state, journal id it reflects); raises state.BatchNotFound."""
    list_batches: Callable[[], list[dict[str, Any]]]
    """Most recent first, with status, progress and counts."""
    events_after: Callable[[int, int, int], list[JournalEntry]]
    """(batch id, after id, limit) → journal rows with a larger id, in order."""
    head_id: Callable[[int], int]
    """batch id → newest journal id; raises state.BatchNotFound."""
    thumbnail: Callable[[int], Thumbnail | None]
    """photo id → its thumbnail (None while it has none); raises queries.PhotoNotFound."""
    preview: Callable[[int], Preview | None]
    """photo id → its preview (None until DONE; `Preview.read()` makes it once, then reads
    the cache); raises queries.PhotoNotFound."""
    uploads_dir: Path
    """Browser uploads land in <uploads_dir>/<random>/<name>."""
    correct: Callable[[int, str, Any], dict[str, Any]]
    """(batch id, kind, data) → review state; raises state.BatchNotFound, CorrectionError."""
    undo: Callable[[int], dict[str, Any]]
    """batch id → review state; raises review.NothingToUndo, state.BatchNotFound."""
    redo: Callable[[int], dict[str, Any]]
    """batch id → review state; raises review.NothingToUndo, state.BatchNotFound."""
    delete_batch: Callable[[int], dict[str, int]]
    """batch id → what was removed; raises state.BatchNotFound."""
    pause: Callable[[int], str]
    """batch id → its status (PAUSED); raises queue_control.BatchIsFinal, BatchNotFound."""
    resume: Callable[[int], str]
    """batch id → its status; raises queue_control.BatchIsFinal, BatchNotFound."""
    cancel: Callable[[int], int]
    """batch id → photos cancelled; raises queue_control.BatchIsFinal, BatchNotFound."""
    queue_dashboard: Callable[[], dict[str, Any]]
    """The queue dashboard: batches, workers, throughput, waits, ETAs."""
    queue_batch_photos: Callable[[int], list[dict[str, Any]]]
    """batch id → its photos with attempts, stage times, errors; raises BatchNotFound."""
    clean_finished: Callable[[float], int]
    """days → finished batches older than that deleted."""
    move_to_front: Callable[[int], int]
    """batch id → its new priority; raises queue_control.BatchIsFinal, BatchNotFound."""
    search_catalogue: Callable[[str, int], list[dict[str, Any]]]
    """(text, limit) → catalogue items matching it in French or English."""
    reanalyse: Callable[[int, list[int] | None, bool], ReanalysisResult]
    """(batch id, photo ids or None, only those with a model notice) → photos queued again;
    raises BatchNotFound, reanalysis.ReanalysisError, reanalysis.NothingToReanalyse."""
    version: str = __version__
    check_model: Callable[[Any], dict[str, Any]] | None = None
    """{url, model, key?, timeout?} → the model's answer to a sample photo (model_setup);
    raises model_setup.CheckRefused. None: no model check here."""

    @classmethod
    def from_core(cls, core: Core) -> ServerApi:
        return cls(
            bus=core.bus,
            create_batch=core.create_batch,
            batch_of_same_files=core.batch_of_same_files,
            retry_failed=core.retry_failed,
            snapshot=core.snapshot,
            snapshot_at_head=partial(queries.snapshot_at_head, core.db, core.catalogue),
            list_batches=state.list_batches,
            events_after=journal.events_after,
            head_id=queries.batch_head,
            thumbnail=partial(queries.thumbnail, core.paths),
            preview=partial(queries.preview, core.paths),
            uploads_dir=core.paths.uploads,
            correct=core.correct,
            undo=core.undo,
            redo=core.redo,
            delete_batch=core.delete_batch,
            search_catalogue=core.search_catalogue,
            pause=core.queue_control.pause,
            resume=core.queue_control.resume,
            cancel=core.queue_control.cancel,
            move_to_front=core.queue_control.move_to_front,
            queue_dashboard=core.queue_dashboard,
            queue_batch_photos=core.queue_batch_photos,
            clean_finished=core.clean_finished,
            reanalyse=core.reanalyse,
            check_model=core.check_model,
        )
