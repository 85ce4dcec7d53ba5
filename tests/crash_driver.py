"""Runs a batch in a child process and SIGKILLs itself at a chosen point (crash tests).

    python tests/crash_driver.py DATA_DIR [--create PATH...]
        [--kill-at copy|decode|commit --after N]
        [--database URL --queue URL --store DIR --lease-seconds S]   # a team's engines

Prints the batch's final snapshot as JSON when it gets that far.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from desktopapp.core import imaging, journal, pipeline, progress, state
from desktopapp.core.db import Batch
from desktopapp.core.events import BatchWatcher
from desktopapp.core.services import Core
from desktopapp.platform.settings import Settings

_calls = 0
_lock = threading.Lock()


def _die_on_call(after: int) -> bool:
    global _calls
    with _lock:
        _calls += 1
        return _calls >= after


def _kill() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def install_kill_point(point: str, after: int) -> None:
    if point == "copy":
        real_copy = pipeline.copy_source_into_store

        def copy_then_die(source: Path, store_dir: Path, **kwargs):
            if _die_on_call(after):  # leave a half-written temp file behind, as a real crash would
                data = Path(source).read_bytes()
                (store_dir / ".incoming-crash").write_bytes(data[: len(data) // 2])
                _kill()
            return real_copy(source, store_dir, **kwargs)

        pipeline.copy_source_into_store = copy_then_die
    elif point == "decode":
        real_process = imaging.process_image

        def decode_then_die(path, **kwargs):
            if _die_on_call(after):
                _kill()
            return real_process(path, **kwargs)

        imaging.process_image = decode_then_die
    elif point == "commit":
        real_exit = journal.WriteTransaction.__exit__

        def exit_then_die(self, exc_type, exc, tb):
            real_exit(self, exc_type, exc, tb)
            if exc_type is None and _die_on_call(after):
                _kill()

        journal.WriteTransaction.__exit__ = exit_then_die
    else:
        raise SystemExit(f"unknown kill point {point}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir")
    parser.add_argument("--create", nargs="+")
    parser.add_argument("--kill-at")
    parser.add_argument("--after", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database")
    parser.add_argument("--queue")
    parser.add_argument("--store")
    parser.add_argument("--lease-seconds", type=float, default=30.0)
    args = parser.parse_args()

    core = Core(
        Settings(
            data_dir=Path(args.data_dir),
            workers=args.workers,
            database_url=args.database,
            queue_url=args.queue,
            store_dir=Path(args.store) if args.store else None,
            lease_seconds=args.lease_seconds,
        )
    )
    if args.create:
        batch_id = core.create_batch(args.create, project="crash").batch_id
    else:
        batch_id = Batch.select().order_by(Batch.id.desc()).get().id
    if args.kill_at:
        install_kill_point(args.kill_at, args.after)
    core.start()
    with BatchWatcher(core.bus, batch_id) as watcher:
        while not progress.is_final(progress.batch_status(state.batch_counts(batch_id))):
            watcher.wait(timeout=5.0)
    print(json.dumps(core.snapshot(batch_id)))
    core.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
