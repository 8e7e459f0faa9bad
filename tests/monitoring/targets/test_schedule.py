"""The dispatcher: stable jitter, due targets claimed once, each in its own task."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from monitoring.models import Target
from monitoring.targets import schedule
from monitoring.targets.schedule import claim_due_targets, next_slot, offset_ms
from tests.factories.monitoring import make_target


def test_each_target_keeps_a_stable_offset_inside_its_interval():
    offsets = {offset_ms(target_id, 30) for target_id in range(1, 201)}

    assert all(0 <= offset < 30_000 for offset in offsets)
    assert len(offsets) > 150  # spread out, not all on the same tick
    assert offset_ms(42, 30) == offset_ms(42, 30)


def test_the_next_slot_is_strictly_later_and_one_interval_apart():
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)

    first = next_slot(7, 60, now)
    second = next_slot(7, 60, first)

    assert now < first <= now + timedelta(seconds=60)
    assert second - first == timedelta(seconds=60)
    assert (first.timestamp() * 1000 - offset_ms(7, 60)) % 60_000 == 0


def test_an_on_time_target_keeps_its_rhythm_and_a_late_one_waits_half_an_interval():
    slot = next_slot(3, 30, datetime(2026, 1, 1, tzinfo=UTC))

    on_time = schedule.next_run_after_claim(3, 30, slot + timedelta(seconds=2))
    late = schedule.next_run_after_claim(3, 30, slot + timedelta(seconds=25))

    assert on_time == slot + timedelta(seconds=30)
    assert late == slot + timedelta(seconds=60)


def test_only_enabled_due_targets_are_claimed_and_pushed_to_their_next_slot(db):
    now = timezone.now()
    due = make_target("due", next_run_at=now - timedelta(seconds=1))
    new = make_target("new", next_run_at=None)
    later = make_target("later", next_run_at=now + timedelta(minutes=5))
    make_target("off", enabled=False, next_run_at=now - timedelta(seconds=1))

    claimed = claim_due_targets(now=now)

    assert {t.name for t in claimed} == {"due", "new"}
    for target in (due, new):
        target.refresh_from_db()
        gap = (target.next_run_at - now).total_seconds()
        assert target.interval_seconds / 2 <= gap <= target.interval_seconds * 1.5
    later.refresh_from_db()
    assert later.next_run_at > now + timedelta(minutes=4)


def test_a_claimed_target_is_not_claimed_again_in_the_same_interval(db):
    make_target("due", next_run_at=timezone.now() - timedelta(seconds=1))

    assert len(claim_due_targets()) == 1
    assert claim_due_targets() == []


def test_dispatch_enqueues_one_task_per_claimed_target(db, monkeypatch):
    enqueued = []
    monkeypatch.setattr(
        "monitoring.targets.tasks.enqueue_collection", lambda target: enqueued.append(target.id)
    )
    targets = [make_target(f"t{i}", next_run_at=None) for i in range(3)]

    assert schedule.dispatch_due_targets() == 3
    assert sorted(enqueued) == sorted(t.id for t in targets)


@pytest.mark.postgres
def test_two_dispatchers_at_once_never_claim_the_same_target(transactional_db):
    past = timezone.now() - timedelta(seconds=1)
    ids = {make_target(f"t{i}", next_run_at=past).id for i in range(60)}
    start = threading.Barrier(2)
    claimed: list[list[int]] = [[], []]

    def dispatcher(slot: int):
        try:
            start.wait()
            for _round in range(3):
                claimed[slot].extend(t.id for t in claim_due_targets(limit=25))
        finally:
            connection.close()

    threads = [threading.Thread(target=dispatcher, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    everything = claimed[0] + claimed[1]
    assert len(everything) == len(set(everything)), "a target was claimed twice"
    assert set(everything) == ids
    assert claimed[0] and claimed[1], "both dispatchers should have taken a share"
    assert not Target.objects.filter(next_run_at__lte=timezone.now()).exists()
