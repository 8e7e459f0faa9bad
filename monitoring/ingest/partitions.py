"""Day partitions of `monitoring_sample` on PostgreSQL.

Each UTC day is one partition `monitoring_sample_pYYYYMMDD` covering [day, day + 1). The
scheduled job creates them ahead of time; a write that lands in a missing day creates it on
demand. Creation is serialised by a transaction-level advisory lock, so concurrent writers never
race on the DDL, and it runs in its own short transaction before the write takes any lock on the
sample table (a writer holding that lock while waiting for the DDL could deadlock another).
Retention drops whole partitions, which is instant and leaves no dead rows behind.

Other databases have no partitions: these functions do nothing there, and retention deletes rows.
"""

import re
import threading
from datetime import UTC, date, datetime, timedelta

from django.db import connection, transaction

SAMPLE_TABLE = "monitoring_sample"
_NAME = re.compile(rf"^{SAMPLE_TABLE}_p(\d{{8}})$")
_ADVISORY_LOCK_KEY = 0x6D6F6E7374  # arbitrary, constant: "monst"

_lock = threading.Lock()
_known_days: set[date] | None = None


def partitioned() -> bool:
    return connection.vendor == "postgresql"


def partition_name(day: date) -> str:
    return f"{SAMPLE_TABLE}_p{day:%Y%m%d}"


def existing_partition_days() -> set[date]:
    """The days that have a partition, read from the catalogue."""
    if not partitioned():
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass",
            [SAMPLE_TABLE],
        )
        names = [row[0] for row in cursor.fetchall()]
    days = set()
    for name in names:
        match = _NAME.match(name)
        if match:
            days.add(datetime.strptime(match.group(1), "%Y%m%d").date())
    return days


def forget_known_partitions() -> None:
    """Drop the process-local view of which partitions exist (after DDL by someone else)."""
    global _known_days
    with _lock:
        _known_days = None


def ensure_partitions(days) -> list[date]:
    """Make sure every day in `days` has a partition; return the days that had to be created.

    Cheap when they exist: the answer comes from a process-local set, filled from the
    catalogue once and kept current by this function.
    """
    global _known_days
    if not partitioned():
        return []
    wanted = set(days)
    with _lock:
        if _known_days is None:
            _known_days = existing_partition_days()
        missing = sorted(wanted - _known_days)
    if not missing:
        return []
    created = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])
        present = existing_partition_days()
        for day in missing:
            if day in present:
                continue
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            cursor.execute(
                f'CREATE TABLE IF NOT EXISTS "{partition_name(day)}" PARTITION OF {SAMPLE_TABLE} '
                "FOR VALUES FROM (%s) TO (%s)",
                [start, start + timedelta(days=1)],
            )
            created.append(day)

        def remember():
            global _known_days
            with _lock:
                _known_days = (_known_days or set()) | present | set(missing)

        # Only once committed: inside a caller's transaction that rolls back they are gone.
        transaction.on_commit(remember)
    return created


def create_partitions_ahead(*, today: date | None = None, days_ahead: int) -> list[date]:
    """Partitions for today and the next `days_ahead` days (the scheduled job)."""
    today = today or datetime.now(UTC).date()
    return ensure_partitions(today + timedelta(days=offset) for offset in range(days_ahead + 1))


def drop_partitions_before(cutoff: date) -> list[date]:
    """Drop every partition whose whole day lies before `cutoff`; return the dropped days."""
    if not partitioned():
        return []
    dropped = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])
        for day in sorted(existing_partition_days()):
            if day < cutoff:
                cursor.execute(f'DROP TABLE IF EXISTS "{partition_name(day)}"')
                dropped.append(day)
    forget_known_partitions()
    return dropped
