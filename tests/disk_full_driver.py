"""Run inside a private mount namespace with a small tmpfs (tests/test_disk_full.py):
process photos until the disk is full, free space, retry, and report what happened.

    python tests/disk_full_driver.py DATA_DIR PHOTOS_DIR FILLER
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from desktopapp.core import progress, state
from desktopapp.core.events import BatchWatcher
from desktopapp.core.services import Core
from desktopapp.platform.settings import Settings

WAIT = 40.0


def settled(core: Core, batch_id: int, data: Path) -> bool:
    """Final; or no photo runs and either nothing is left to run (the rest lost its task)
    or the disk is full (the queue itself cannot be read: the batch visibly waits)."""
    counts = state.batch_counts(batch_id)
    if progress.is_final(progress.batch_status(counts)):
        return True
    if core.queue.running_ids():
        return False
    return shutil.disk_usage(data).free < 256 * 1024 or (
        not core.queue.busy_ids() and core.queue.pending_count() == 0
    )


def wait(core: Core, batch_id: int, final: bool, data: Path) -> None:
    deadline = time.monotonic() + WAIT
    with BatchWatcher(core.bus, batch_id) as watcher:
        while time.monotonic() < deadline:
            try:
                done = (
                    progress.is_final(progress.batch_status(state.batch_counts(batch_id)))
                    if final
                    else settled(core, batch_id, data)
                )
            except Exception:  # a read on a full disk may fail too: look again
                done = False
            if done:
                return
            watcher.wait(timeout=0.5)
    try:
        seen = statuses(core, batch_id)
    except Exception as exc:  # the report must come out
        seen = repr(exc)
    raise SystemExit(
        f"batch {batch_id} did not {'finish' if final else 'settle'}: {seen}; "
        f"running {sorted(core.queue.running_ids())}, busy {sorted(core.queue.busy_ids())}, "
        f"queued tasks {core.queue.pending_count()}"
    )


def statuses(core: Core, batch_id: int) -> list[list]:
    return [[p.file_name, p.status, p.error_code] for p in state.batch_photos(batch_id)]


def main() -> None:
    data, photos, filler = (Path(arg) for arg in sys.argv[1:4])
    Core.RECOVERY_INTERVAL = 0.5  # the in-process recovery, sooner than the app's 30 s
    core = Core(Settings(data_dir=data, workers=2, analyzer="names"))
    core.start()
    try:
        batch_id = core.create_batch([photos]).batch_id
        wait(core, batch_id, final=False, data=data)
        first = statuses(core, batch_id)
        filler.unlink()  # the person frees some space
        retried = core.retry_failed(batch_id).requeued
        wait(core, batch_id, final=True, data=data)
        print(
            json.dumps(
                {
                    "first": first,
                    "retried": retried,
                    "final": core.snapshot(batch_id)["status"],
                    "after": statuses(core, batch_id),
                }
            ),
            flush=True,
        )
    finally:
        core.stop(timeout=30)


if __name__ == "__main__":
    main()
