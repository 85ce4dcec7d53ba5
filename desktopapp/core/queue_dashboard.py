"""The queue as the dashboard shows it: batches, workers, throughput, waits, ETAs.

Computed from the database (photo statuses, `updated_at`, the `timings` the pipeline
stores) and the workers' activity; the server pushes it on `/api/queue/stream` when the
bus says something changed. ETA per batch: the photos that will run before its last one
(its own and those of the batches ahead of it: moved to the front, or older; paused ones
wait) divided by the rate of the last minute, or of the batch so far when the last minute
saw fewer than `MIN_RECENT` photos. The last minute's rate counts only the part of the
minute the workers worked: a queue that started 10 s ago did its photos in 10 s, not 60
(from the earliest start among the photos finished in that minute).

What a vision model cost (`model`, per batch and overall, over the batches listed; None
when none of their photos was sent to a model): the photos sent, the seconds spent
waiting for it (total and mean per photo), and the tokens its server reported (total,
prompt, completion, and the mean over the photos it reported them for; None when it never
did). Read from each photo's `timings` ("model" s, "tokens": {"prompt", "completion",
"total"}: core.pipeline).
"""

from __future__ import annotations

import json
import math
import time
from typing import Any

from peewee import SqliteDatabase

from desktopapp.core import progress, state
from desktopapp.core.activity import Activity
from desktopapp.core.db import DONE, ERROR, Batch, Photo, Project

RECENT = 60.0  # seconds: "the last minute"
MIN_RECENT = 5
FINISHED_SHOWN = 20  # finished batches listed after the unfinished ones

_TALLY_SQL = "SELECT batch_id, status, COUNT(*) FROM photo GROUP BY batch_id, status"
_RECENT_SQL = (
    "SELECT batch_id, COUNT(*) FROM photo WHERE status IN (?, ?) AND updated_at >= ?"
    " GROUP BY batch_id"
)
_TIMINGS_SQL = "SELECT timings, updated_at FROM photo WHERE batch_id = ? AND timings IS NOT NULL"


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))
    return round(ordered[index], 3)


def dashboard(
    db: SqliteDatabase,
    activity: Activity,
    workers: int,
    now: float | None = None,
    team_workers: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """`team_workers`: a team's workers line (core.leases), every machine's, instead of
    this process's own threads."""
    now = time.time() if now is None else now
    tallies: dict[int, dict[str, int]] = {}
    for batch_id, status, count in db.execute_sql(_TALLY_SQL).fetchall():
        tallies.setdefault(batch_id, {})[status] = count
    recent: dict[int, int] = dict(
        db.execute_sql(_RECENT_SQL, (DONE, ERROR, now - RECENT)).fetchall()
    )
    batches = list(
        Batch.select(Batch, Project)
        .join(Project)
        .order_by(Batch.priority.desc(), Batch.created_at, Batch.id)
    )
    names = state.batch_names([batch.id for batch in batches])
    rows, finished = [], []
    for batch in batches:
        counts = progress.counts_from_statuses(tallies.get(batch.id, {}), bool(batch.paused))
        status = progress.batch_status(counts)
        row = {
            "batchId": batch.id,
            "name": names.get(batch.id),
            "project": batch.project.name,
            "createdAt": batch.created_at,
            "status": status,
            "progress": progress.percent(counts),
            "counts": counts.as_dict(),
            "paused": bool(batch.paused),
            "priority": batch.priority,
        }
        if progress.is_final(status):
            row["eta_s"] = None
            finished.append(row)
        else:
            rows.append(row)
    finished.sort(key=lambda row: row["createdAt"], reverse=True)
    shown = finished[:FINISHED_SHOWN]
    # Stage times are read only where they are shown, or where a photo finished in the
    # last minute (the rate's window): not for every batch ever made, on every change.
    own_rates = []
    window_start = now  # the earliest start of a photo finished in the last minute
    unshown_recent = [row for row in finished[FINISHED_SHOWN:] if recent.get(row["batchId"])]
    for row in [*rows, *shown, *unshown_recent]:
        batch_id = row["batchId"]
        times, per_second, first = _batch_times(db, batch_id, recent.get(batch_id, 0), now)
        window_start = min(window_start, first)
        row.update(times)
        if not progress.is_final(row["status"]):
            own_rates.append(per_second)
    overall_model = _sum_costs([row["model"] for row in [*rows, *shown]])
    last_minute = sum(recent.values())
    # photos per second: the last minute's (over the part of it worked), else the running
    # batches' own so far
    window = min(RECENT, now - window_start)
    if last_minute >= MIN_RECENT and window > 0:
        rate = last_minute / window
    else:
        rate = max(own_rates, default=0.0)
    ahead = 0
    for row in rows:  # in queue order: what runs before this batch's last photo
        left = row["counts"]["queued"] + row["counts"]["processing"]
        if not row["paused"]:
            ahead += left
        row["eta_s"] = None if row["paused"] or not rate else round(ahead / rate, 1)
    return {
        "generatedAt": now,
        "batches": rows + shown,
        "workers": team_workers or {"count": workers, "busy": activity.workers()},
        "throughput": {
            "lastMinute": last_minute,  # photos finished in the last 60 s
            "perSecond": round(rate, 3) if rate else None,
        },
        "model": overall_model,
    }


def _batch_times(
    db: SqliteDatabase, batch_id: int, recent: int, now: float
) -> tuple[dict[str, Any], float, float]:
    """The batch's throughput, waits and processing times; its own photos per second; and
    the earliest start of its photos finished in the last minute (`now` if none)."""
    waits, runs, starts, finishes, asked = [], [], [], [], []
    for raw, finished_at in db.execute_sql(_TIMINGS_SQL, (batch_id,)).fetchall():
        timings = json.loads(raw)
        if "model" in timings:
            asked.append(timings)
        waits.append(float(timings.get("wait", 0.0)))
        runs.append(float(timings.get("total", 0.0)))
        starts.append(finished_at - runs[-1])
        finishes.append(finished_at)
    span = max(finishes) - min(starts) if finishes else 0.0
    since = now - RECENT
    first = min((s for s, f in zip(starts, finishes, strict=True) if f >= since), default=now)
    per_second = len(finishes) / span if span > 0 else 0.0
    times = {
        "throughput": {
            "lastMinute": recent,
            "perMinute": round(60.0 * per_second, 1) if per_second else None,
        },
        "wait": {"p50": percentile(waits, 0.5), "p95": percentile(waits, 0.95)},
        "processing": {"p50": percentile(runs, 0.5), "p95": percentile(runs, 0.95)},
        "model": _model_cost(asked),
    }
    return times, per_second, first


def _whole(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return None
    return int(value)


def _model_cost(asked: list[dict[str, Any]]) -> dict[str, Any] | None:
    """What the model cost for these photos' timings (each has a "model" entry)."""
    if not asked:
        return None
    sums = {"photos": len(asked), "seconds": 0.0, "tokens": None}
    tokens = {"photos": 0, "total": 0, "prompt": None, "completion": None}
    for timings in asked:
        sums["seconds"] += max(0.0, float(timings.get("model") or 0.0))
        reported = timings.get("tokens") if isinstance(timings.get("tokens"), dict) else {}
        total = _whole(reported.get("total"))
        if total is None:
            continue
        tokens["photos"] += 1
        tokens["total"] += total
        for part in ("prompt", "completion"):
            value = _whole(reported.get(part))
            if value is not None:
                tokens[part] = (tokens[part] or 0) + value
    if tokens["photos"]:
        sums["tokens"] = tokens
    return _with_means(sums)


def _sum_costs(costs: list[dict[str, Any] | None]) -> dict[str, Any] | None:
    """Several batches' model costs as one."""
    costs = [cost for cost in costs if cost]
    if not costs:
        return None
    sums = {"photos": 0, "seconds": 0.0, "tokens": None}
    for cost in costs:
        sums["photos"] += cost["photos"]
        sums["seconds"] += cost["seconds"]
        if cost["tokens"] is None:
            continue
        tokens = sums["tokens"] or {"photos": 0, "total": 0, "prompt": None, "completion": None}
        for part in ("photos", "total", "prompt", "completion"):
            if cost["tokens"][part] is not None:
                tokens[part] = (tokens[part] or 0) + cost["tokens"][part]
        sums["tokens"] = tokens
    return _with_means(sums)


def _with_means(sums: dict[str, Any]) -> dict[str, Any]:
    sums["seconds"] = round(sums["seconds"], 3)
    sums["secondsPerPhoto"] = round(sums["seconds"] / sums["photos"], 3)
    if sums["tokens"] is not None:
        tokens = sums["tokens"]
        tokens["perPhoto"] = round(tokens["total"] / tokens["photos"], 1)
    return sums


def batch_photos(batch_id: int) -> list[dict[str, Any]]:
    """A batch's photos for the dashboard: status, attempts, stage times, error."""
    state.get_batch(batch_id)
    query = (
        Photo.select(
            Photo.id,
            Photo.file_name,
            Photo.status,
            Photo.attempts,
            Photo.timings,
            Photo.error_code,
            Photo.error_message,
        )
        .where(Photo.batch == batch_id)
        .order_by(Photo.position)
    )
    return [
        {
            "id": photo.id,
            "fileName": photo.file_name,
            "status": photo.status,
            "attempts": photo.attempts,
            "timings": photo.timings,
            "errorCode": photo.error_code,
            "errorMessage": photo.error_message,
        }
        for photo in query
    ]
