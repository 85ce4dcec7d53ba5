"""The client-side merge of stream payloads, and the reconnection schedule (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from desktopapp.ui.backoff import MAX_RETRY_AFTER_MS, ReconnectPolicy, parse_retry_after
from desktopapp.ui.batch_state import BatchState, Change, normalise_counts
from tests.ui_helpers import payload, photo

THREE = [photo(1), photo(2), photo(3)]


def snap(photos, status="QUEUED", progress=0, **kw):
    return payload(5, photos, status, progress, snapshot=True, **kw)


def test_snapshot_fills_in_order():
    state = BatchState(5)
    change = state.apply(snap(THREE))
    assert state.order == [1, 2, 3] and state.has_snapshot
    assert change.added == [1, 2, 3] and not change.full
    assert state.status == "QUEUED" and state.counts["total"] == 3
    assert state.inventory_summary == {"totalItems": 0, "totalVolume": 0, "rooms": []}
    assert change.status_changed and change.previous_status is None


def test_delta_merges_by_id_without_duplicates():
    state = BatchState(5)
    state.apply(snap(THREE))
    change = state.apply(payload(5, [photo(2, "PROCESSING")], "PROCESSING", 0, all_photos=THREE))
    assert change.changed == [2] and change.added == [] and not change.full
    change = state.apply(payload(5, [photo(2, "DONE", roomType="bedroom")], "PROCESSING", 33))
    assert state.order == [1, 2, 3]
    assert state.photos[2]["status"] == "DONE" and state.photos[2]["roomType"] == "bedroom"
    assert state.row_of(2) == 1 and state.photo_at(1)["id"] == 2
    assert state.progress == 33


def test_replayed_delta_is_idempotent():
    state = BatchState(5)
    state.apply(snap(THREE))
    delta = payload(5, [photo(1, "DONE")], "PROCESSING", 33)
    state.apply(delta)
    change = state.apply(delta)  # the same event again (a replay after reconnect)
    assert change.changed == [] and change.added == []
    assert len(state) == 3


def test_delta_only_fields_kept_on_merge():
    state = BatchState(5)
    state.apply(snap([photo(1, attempts=0)]))
    state.apply({"photos": [{"id": 1, "status": "ERROR", "errorCode": "corrupt"}]})
    assert state.photos[1]["fileName"] == "photo-1.jpg"  # untouched fields stay
    assert state.photos[1]["errorCode"] == "corrupt"


def test_delta_before_snapshot_appends():
    state = BatchState(5)
    change = state.apply(payload(5, [photo(9, "DONE")], "PROCESSING", 10))
    assert change.added == [9] and state.order == [9]


def test_same_snapshot_again_updates_in_place():
    state = BatchState(5)
    state.apply(snap(THREE))
    change = state.apply(snap([photo(1), photo(2, "DONE"), photo(3)], "PROCESSING", 33))
    assert not change.full and change.changed == [2] and change.added == []
    assert state.photos[2]["status"] == "DONE"


def test_snapshot_with_new_photos_at_the_end_appends():
    state = BatchState(5)
    state.apply(snap(THREE))
    change = state.apply(snap([*THREE, photo(4)]))
    assert not change.full and change.added == [4] and state.row_of(4) == 3


def test_snapshot_with_other_photos_replaces_everything():
    state = BatchState(5)
    state.apply(snap(THREE))
    change = state.apply(snap([photo(3), photo(7)]))
    assert change.full and change.removed == [1, 2]
    assert state.order == [3, 7] and state.row_of(7) == 1 and state.row_of(1) is None


def test_snapshot_with_duplicate_ids_keeps_one_row():
    state = BatchState(5)
    state.apply(snap([photo(1), photo(1, "DONE"), photo(2)]))
    assert state.order == [1, 2] and state.photos[1]["status"] == "DONE"


def test_garbage_is_ignored():
    state = BatchState(5)
    for junk in (None, [], "x", {"photos": "no"}, {"photos": [None, {"no": "id"}, 3]}):
        change = state.apply(junk)
        assert not change.photos_changed
    state.apply({"progress": "lots", "status": 3, "counts": {"queued": "x", "failed": -2}})
    assert state.progress == 0 and state.status is None
    assert state.counts == {"queued": 0, "processing": 0, "completed": 0, "failed": 0, "total": 0}


def test_progress_is_clamped_and_floored():
    state = BatchState(5)
    state.apply({"progress": 150.7})
    assert state.progress == 100
    state.apply({"progress": 66.9})
    assert state.progress == 66


def test_counts_total_filled_in():
    assert normalise_counts({"queued": 1, "completed": 2})["total"] == 3


def test_complete_payload_without_photos_keeps_rows_and_sets_summary():
    state = BatchState(5)
    state.apply(snap(THREE))
    summary = {"totalItems": 4, "totalVolume": 1.5, "rooms": [{"roomType": "kitchen"}]}
    change = state.apply(
        {
            "batchId": 5,
            "status": "COMPLETED",
            "progress": 100,
            "inventorySummary": summary,
            "project": "Flat",
        }
    )
    assert state.is_final and change.status_changed and change.summary_changed
    assert state.inventory_summary == summary and state.project == "Flat"
    assert len(state) == 3


def test_as_dict_has_the_payload_shape():
    state = BatchState(5)
    state.apply({**snap(THREE), "project": "P"})
    data = state.as_dict()
    assert data["batchId"] == 5 and [p["id"] for p in data["photos"]] == [1, 2, 3]
    assert {"status", "progress", "counts", "inventorySummary", "project"} <= set(data)


def test_changes_absorb():
    first = Change(added=[1, 2], changed=[])
    first.absorb(Change(changed=[2, 3], status_changed=True))
    assert first.added == [1, 2] and first.changed == [3] and first.status_changed
    first.absorb(Change(full=True, changed=[7], removed=[1]))
    assert first.full and first.added == [] and first.changed == [7] and first.removed == [1]
    first.absorb(Change(added=[8], changed=[7]))
    assert first.changed == [7, 8]


# -- reconnection schedule -------------------------------------------------------------------


def test_schedule_doubles_from_one_second_to_the_cap():
    policy = ReconnectPolicy(max_attempts=7)
    assert policy.schedule(rand=0.5) == [1000, 2000, 4000, 8000, 16000, 30000, 30000]


def test_jitter_spreads_twenty_percent_and_never_passes_the_cap():
    policy = ReconnectPolicy()
    assert policy.delay_ms(1, rand=0.0) == 800
    assert policy.delay_ms(1, rand=1.0) == 1200
    assert policy.delay_ms(3, rand=1.0) == 4800
    assert ReconnectPolicy(max_attempts=9).delay_ms(9, rand=1.0) == 30000


def test_five_attempts_then_give_up():
    policy = ReconnectPolicy()
    assert all(policy.delay_ms(n, rand=0.5) is not None for n in range(1, 6))
    assert policy.delay_ms(6, rand=0.5) is None
    assert policy.delay_ms(0, rand=0.5) is None


def test_server_retry_sets_the_base():
    policy = ReconnectPolicy().with_base(3000)
    assert policy.schedule(rand=0.5) == [3000, 6000, 12000, 24000, 30000]
    assert ReconnectPolicy().with_base(None).base_ms == 1000


def test_retry_after_wins_when_longer():
    policy = ReconnectPolicy()
    assert policy.delay_ms(1, retry_after_ms=5000, rand=0.5) == 5000
    assert policy.delay_ms(4, retry_after_ms=5000, rand=0.5) == 8000  # backoff already longer
    assert policy.delay_ms(1, retry_after_ms=10**9, rand=0.5) == MAX_RETRY_AFTER_MS
    assert policy.delay_ms(6, retry_after_ms=5000, rand=0.5) is None  # the limit still holds


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5", 5000),
        (" 0 ", 0),
        (b"12", 12000),
        ("", None),
        (None, None),
        ("soon", None),
        ("-3", None),
    ],
)
def test_parse_retry_after_seconds(value, expected):
    assert parse_retry_after(value) == expected


def test_parse_retry_after_http_date():
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert parse_retry_after(later, now=now) == 30000
    past = format_datetime(now - timedelta(seconds=30), usegmt=True)
    assert parse_retry_after(past, now=now) == 0
