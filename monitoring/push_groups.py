"""Pushgateway groups: what each grouping key currently holds, for PUT/POST/DELETE semantics.

How pushed metrics are stored: a push writes its samples once, at the push (at the sample's own
timestamp when it has one, else at the time of the push), like any other ingestion. A pushed
series is not re-written afterwards: it keeps its last value (the latest value in Redis, and
`Series.is_stale` stays false) until the group replaces or deletes it, which writes a stale
marker for it. So a nightly job's `last_success_timestamp_seconds` stays the group's current
value all day, and rules see it as present, not as missing data.

`PushGroup` remembers, per grouping key, the label sets of the series of each metric family
pushed, so that:

- PUT replaces the whole group: series of the group that the push does not contain go stale;
- POST replaces only the families it pushes: series of those families not pushed again go
  stale, other families stay as they were;
- DELETE ends every series of the group, `push_time_seconds` included, and forgets the group.

Each push also writes `push_time_seconds{<grouping key>}` = the push's Unix time, as the
Pushgateway does (a pushed family of that name is replaced by it).
"""

import hashlib
import json
import time
from dataclasses import dataclass

from django.db import models, transaction
from django.utils import timezone

from monitoring.ingest import STALE_NAN, Labels, SeriesSamples, write_samples
from monitoring.ingest.writer import WriteResult

PUSH_TIME_FAMILY = "push_time_seconds"
RESERVED_FAMILIES = (PUSH_TIME_FAMILY, "push_failure_time_seconds")


class PushGroup(models.Model):
    """The metric families last pushed to one grouping key."""

    key = models.CharField(
        max_length=64, unique=True, help_text="SHA-256 of the grouping key (sorted label pairs)."
    )
    grouping_labels = models.JSONField(
        help_text="The grouping key: job plus the labels of the push URL (empty values kept)."
    )
    families = models.JSONField(
        default=dict,
        help_text="{family: [label pairs of each of its series, __name__ included]}",
    )
    pushed_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["key"]

    def __str__(self):
        return ", ".join(f"{name}={value}" for name, value in sorted(self.grouping_labels.items()))


def group_key(grouping: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(sorted(grouping.items())).encode()).hexdigest()


@dataclass
class PushOutcome:
    written: WriteResult
    stale_series: int


def _as_labels(pairs) -> Labels:
    return tuple((name, value) for name, value in pairs)


def _stale_markers(series: list[Labels], at_ms: int) -> WriteResult | None:
    if not series:
        return None
    return write_samples(
        [SeriesSamples(labels, [(at_ms, STALE_NAN)]) for labels in series], source="pushgateway"
    )


def push(
    *,
    grouping: dict[str, str],
    series: list[SeriesSamples],
    families: dict[str, list[Labels]],
    replace_all: bool,
    now_ms: int | None = None,
) -> PushOutcome:
    """Store one push to the group `grouping`.

    `series` are the samples to write (grouping labels applied), `families` the label sets of
    the pushed series by family name. `replace_all`: PUT (True) or POST (False). Writes the
    samples and push_time_seconds, then, under a lock on the group row, works out which of the
    group's series the push ends, and writes their stale markers."""
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    present = [(name, value) for name, value in grouping.items() if value]
    push_time = SeriesSamples(
        tuple(sorted([("__name__", PUSH_TIME_FAMILY), *present])),
        [(now_ms, now_ms / 1000)],
    )
    families = {**families, PUSH_TIME_FAMILY: [push_time.labels]}
    written = write_samples([*series, push_time], source="pushgateway", now_ms=now_ms)
    key = group_key(grouping)
    with transaction.atomic():
        group = PushGroup.objects.select_for_update().filter(key=key).first()
        previous = group.families if group else {}
        replaced = previous.keys() if replace_all else previous.keys() & families.keys()
        kept = {_as_labels(pairs) for labels in families.values() for pairs in labels}
        ended = [
            _as_labels(pairs)
            for family in replaced
            for pairs in previous[family]
            if _as_labels(pairs) not in kept
        ]
        current = {} if replace_all else {f: s for f, s in previous.items() if f not in replaced}
        current.update(
            {
                family: [list(map(list, labels)) for labels in members]
                for family, members in families.items()
            }
        )
        pushed_at = timezone.now()
        if group is None:
            PushGroup.objects.create(
                key=key, grouping_labels=grouping, families=current, pushed_at=pushed_at
            )
        else:
            group.families = current
            group.pushed_at = pushed_at
            group.save(update_fields=["families", "pushed_at"])
    _stale_markers(ended, now_ms)
    return PushOutcome(written=written, stale_series=len(ended))


def delete(*, grouping: dict[str, str], now_ms: int | None = None) -> int:
    """Forget a group and end all its series; deleting an unknown group is a no-op. Returns
    how many series were ended."""
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    with transaction.atomic():
        group = PushGroup.objects.select_for_update().filter(key=group_key(grouping)).first()
        if group is None:
            return 0
        ended = [_as_labels(pairs) for members in group.families.values() for pairs in members]
        group.delete()
    _stale_markers(ended, now_ms)
    return len(ended)
