"""When targets run, and the dispatcher that starts them.

Each target runs every `interval_seconds`, at a fixed offset inside the interval taken from a
stable hash of its id, so a thousand targets with a 30 s interval are spread over the 30 s
instead of all firing on the same tick, and each keeps its rhythm across restarts.

The dispatcher (beat, every ITOPS_COLLECT_DISPATCH_SECONDS) claims due targets in one
transaction with `SELECT ... FOR UPDATE SKIP LOCKED` and moves their `next_run_at` to their next
slot before anything is enqueued: two dispatchers running at once claim disjoint sets, and a
target is never claimed twice for the same slot. (SQLite has no row locks, but its IMMEDIATE
transactions serialise the two dispatchers, with the same result.) Each claimed target gets its
own task, which expires after one interval: a backlog never runs a target twice in a row. A
target that is late runs at once and then rejoins its rhythm (see `next_run_after_claim`).
"""

import hashlib
import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from monitoring.targets.models import Target

logger = logging.getLogger(__name__)

DISPATCH_BATCH = 500


def offset_ms(target_id: int, interval_seconds: int) -> int:
    """The target's stable place inside its interval."""
    digest = hashlib.blake2b(str(target_id).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % (interval_seconds * 1000)


def next_slot(target_id: int, interval_seconds: int, after: datetime) -> datetime:
    """The first run time of the target strictly after `after`."""
    interval_ms = interval_seconds * 1000
    offset = offset_ms(target_id, interval_seconds)
    after_ms = int(after.timestamp() * 1000)
    slot = ((after_ms - offset) // interval_ms + 1) * interval_ms + offset
    return datetime.fromtimestamp(slot / 1000, tz=after.tzinfo or timezone.get_current_timezone())


def next_run_after_claim(target_id: int, interval_seconds: int, now: datetime) -> datetime:
    """Where a claimed target runs next: its next slot, unless that is less than half an
    interval away (the target was late: new, re-enabled, or the workers were down), in which
    case the slot after. So runs are never closer than half an interval, and an on-time
    target keeps its exact rhythm."""
    slot = next_slot(target_id, interval_seconds, now)
    if (slot - now).total_seconds() < interval_seconds / 2:
        slot += timedelta(seconds=interval_seconds)
    return slot


def claim_due_targets(*, now: datetime | None = None, limit: int = DISPATCH_BATCH) -> list[Target]:
    """Claim the enabled targets whose time has come: their `next_run_at` moves to their next
    slot in the same transaction. Returns the claimed targets."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            Target.objects.select_for_update(skip_locked=True)
            .filter(enabled=True)
            .filter(Q(next_run_at__isnull=True) | Q(next_run_at__lte=now))
            .order_by(F("next_run_at").asc(nulls_first=True), "id")
            .only("id", "interval_seconds", "timeout_seconds", "next_run_at")[:limit]
        )
        for target in due:
            target.next_run_at = next_run_after_claim(target.id, target.interval_seconds, now)
        Target.objects.bulk_update(due, ["next_run_at"])
    return due


def dispatch_due_targets(*, now: datetime | None = None) -> int:
    """Claim due targets and enqueue one collection task for each. Returns how many."""
    from monitoring.targets.tasks import enqueue_collection

    claimed = claim_due_targets(now=now)
    for target in claimed:
        enqueue_collection(target)
    if claimed:
        logger.debug("dispatched %d targets", len(claimed))
    return len(claimed)


def first_run_at(now: datetime | None = None) -> datetime:
    """New or changed targets run at the next dispatch, then on their own slots."""
    return (now or timezone.now()) - timedelta(seconds=1)
