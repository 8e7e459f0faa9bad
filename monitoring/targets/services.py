"""Writes on targets: create, change, delete, run now, and the CMDB sync.

Each runs inside `acting_as(by)` so the audit history names the person; collection side
effects (a run, the end of a target's series) are queued on commit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction

from itops.audit import acting_as
from itops.errors import DomainError
from monitoring.targets.choices import TargetKind
from monitoring.targets.discovery import SyncResult, sync_targets_from_cmdb
from monitoring.targets.models import Target
from monitoring.targets.schedule import first_run_at

if TYPE_CHECKING:
    from itops.models import User

EDITABLE_FIELDS = (
    "name",
    "kind",
    "address",
    "job",
    "interval_seconds",
    "timeout_seconds",
    "labels",
    "enabled",
    "ci",
    "http_method",
    "expected_status",
    "body_match",
    "body_match_regex",
    "tls_verify",
)
# Changing these restarts the target's schedule (it runs at the next dispatch).
_SCHEDULE_FIELDS = {"kind", "address", "interval_seconds", "enabled"}


def _validated(target: Target) -> None:
    try:
        target.full_clean()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise DomainError(" ".join(messages), field=None if field == "__all__" else field) from None


def end_series_on_commit(target: Target) -> None:
    if target.kind != TargetKind.SCRAPE:
        return
    from monitoring.targets.runner import end_target_series, series_key

    key, target_id = series_key(target), target.id
    transaction.on_commit(lambda: end_target_series(key=key, target_id=target_id))


@transaction.atomic
def create_target(*, by: User | None, **fields) -> Target:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise DomainError(f"Unknown field(s): {', '.join(sorted(unknown))}.")
    target = Target(**fields)
    target.next_run_at = first_run_at()
    _validated(target)
    with acting_as(by):
        target.save()
    return target


@transaction.atomic
def update_target(*, target: Target, by: User | None, **fields) -> Target:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise DomainError(f"Unknown field(s): {', '.join(sorted(unknown))}.")
    was_enabled = target.enabled
    changed = [name for name, value in fields.items() if getattr(target, name) != value]
    for name in changed:
        setattr(target, name, fields[name])
    if not changed:
        return target
    _validated(target)
    update_fields = [*changed, "updated_at"]
    if _SCHEDULE_FIELDS & set(changed):
        target.next_run_at = first_run_at()
        update_fields.append("next_run_at")
    with acting_as(by):
        target.save(update_fields=update_fields)
    if was_enabled and not target.enabled:
        end_series_on_commit(target)
    return target


@transaction.atomic
def delete_target(*, target: Target, by: User | None) -> None:
    end_series_on_commit(target)
    with acting_as(by):
        target.delete()


def run_target_now(*, target: Target, by: User | None) -> None:
    """Collect `target` now, outside its schedule (also when it is disabled). Nothing is
    written here, so the task is queued at once (inline when tasks run eagerly)."""
    from monitoring.targets.tasks import enqueue_collection

    enqueue_collection(target, expires=False)


def discover_targets(*, by: User | None) -> SyncResult:
    return sync_targets_from_cmdb(by=by)
