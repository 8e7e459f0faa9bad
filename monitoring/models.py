"""Metric storage: series, samples, rollups, and the rules that link series to CIs.

Samples and rollups are written in bulk by `monitoring.ingest` (COPY on PostgreSQL), never one
row at a time through the ORM; the models below describe the tables so that reads can use the ORM.
On PostgreSQL `monitoring_sample` is partitioned by day on `ts` (see monitoring/ingest/partitions.py).
"""

import re

from django.core.exceptions import ValidationError
from django.db import models

from monitoring.choices import MetricType, Resolution


class Series(models.Model):
    """One time series: a metric name and a label set.

    The primary key is not a counter: it is a stable 64-bit hash of the canonical label set
    (see `monitoring.ingest.labels.series_id`), so every process computes the same id for the
    same labels without asking the database, and creating a series is an idempotent insert.
    """

    id = models.BigIntegerField(primary_key=True)
    metric = models.CharField(max_length=200, db_index=True)
    labels = models.JSONField(
        default=dict, help_text="Labels without __name__, sorted by name: {name: value}."
    )
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField(
        help_text="When samples last arrived (updated at most once a minute per series)."
    )
    is_stale = models.BooleanField(
        default=False, help_text="A stale marker ended this series; new samples revive it."
    )
    stale_at = models.DateTimeField(null=True, blank=True)
    metric_type = models.CharField(
        max_length=20, choices=MetricType.choices, default=MetricType.UNKNOWN
    )
    help = models.TextField(blank=True)
    unit = models.CharField(max_length=60, blank=True)
    ci = models.ForeignKey(
        "cmdb.ConfigurationItem",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="metric_series",
        help_text="The configuration item these samples describe, found by a series link rule.",
    )

    class Meta:
        verbose_name_plural = "series"
        ordering = ["metric", "id"]
        # No index on last_seen: ingestion updates it, and unindexed columns allow HOT updates
        # (no index maintenance); the retention job that filters on it runs once an hour.
        indexes = [models.Index(fields=["ci", "metric"])]

    def __str__(self):
        inner = ", ".join(f'{name}="{value}"' for name, value in self.labels.items())
        return f"{self.metric}{{{inner}}}"


class MetricMetadata(models.Model):
    """Type, help and unit of a metric family, as senders describe it (remote_write metadata)."""

    family = models.CharField(max_length=200, unique=True)
    metric_type = models.CharField(
        max_length=20, choices=MetricType.choices, default=MetricType.UNKNOWN
    )
    help = models.TextField(blank=True)
    unit = models.CharField(max_length=60, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["family"]
        verbose_name_plural = "metric metadata"

    def __str__(self):
        return self.family


def _series_key_column():
    # No FK constraint and no separate index: the composite primary key leads with series_id.
    return models.ForeignKey(
        Series, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )


class Sample(models.Model):
    """One value of one series at one time; (series, ts) is unique, so a resend is stored once.

    `value` is NULL only on SQLite, which cannot store NaN: read NULL as NaN there. There is no
    foreign key constraint: checking one per row would halve the write rate, and series are only
    deleted after their samples have aged out.
    """

    pk = models.CompositePrimaryKey("series_id", "ts")
    series = _series_key_column()
    ts = models.DateTimeField()
    value = models.FloatField(null=True)

    class Meta:
        ordering = ["series_id", "ts"]

    def __str__(self):
        return f"{self.series_id}@{self.ts.isoformat()}={self.value}"


class Rollup(models.Model):
    """Aggregates of the samples of one series in one bucket [bucket, bucket + resolution)."""

    pk = models.CompositePrimaryKey("series_id", "bucket")
    series = _series_key_column()
    bucket = models.DateTimeField()
    count = models.IntegerField()
    sum = models.FloatField(null=True)
    min = models.FloatField(null=True)
    max = models.FloatField(null=True)
    last = models.FloatField(null=True, help_text="The value of the latest sample in the bucket.")

    class Meta:
        abstract = True
        ordering = ["series_id", "bucket"]

    def __str__(self):
        return f"{self.series_id}@{self.bucket.isoformat()} n={self.count}"

    @property
    def avg(self) -> float | None:
        return None if self.sum is None or not self.count else self.sum / self.count


class MinuteRollup(Rollup):
    class Meta(Rollup.Meta):
        indexes = [models.Index(fields=["bucket"], name="monitoring_minuterollup_bucket")]

    def __str__(self):
        return super().__str__()


class HourRollup(Rollup):
    class Meta(Rollup.Meta):
        indexes = [models.Index(fields=["bucket"], name="monitoring_hourrollup_bucket")]

    def __str__(self):
        return super().__str__()


class RollupState(models.Model):
    """How far the rollups of one resolution are complete: every bucket before `done_until`.

    The rollup job claims this row with `select_for_update(skip_locked=True)`, so two workers
    never compute the same range at once."""

    resolution = models.CharField(max_length=4, choices=Resolution.choices, primary_key=True)
    done_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.resolution} rollups done until {self.done_until}"


class RollupBackfill(models.Model):
    """A time range that received samples after its rollups were computed (a late resend).

    Written by ingestion in the same transaction as the samples; the rollup job recomputes the
    range and deletes the row."""

    start = models.DateTimeField()
    end = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["start"]

    def __str__(self):
        return f"{self.start} .. {self.end}"


class SeriesLinkRule(models.Model):
    """Links series to configuration items by a label: the first capture group of `pattern`,
    applied to the value of `label`, is the CI name.

    With label `instance` and pattern `^([^:]+)(:\\d+)?$`, `instance="web-01:9100"` links to the
    CI named `web-01`. Rules are tried by ascending priority; the first CI found wins.
    """

    label = models.CharField(max_length=100)
    pattern = models.CharField(
        max_length=300,
        default=r"^(.+?)(?::\d+)?$",
        help_text="A regular expression with a capture group; group 1 is the CI name.",
    )
    priority = models.PositiveSmallIntegerField(default=100)
    enabled = models.BooleanField(default=True)
    description = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["priority", "id"]

    def __str__(self):
        return f"{self.label} ~ {self.pattern}"

    def clean(self):
        try:
            compiled = re.compile(self.pattern)
        except re.error as error:
            raise ValidationError(
                {"pattern": f"Not a valid regular expression: {error}."}
            ) from None
        if compiled.groups < 1:
            raise ValidationError({"pattern": "The pattern needs a capture group for the CI name."})


# Models kept beside the code that owns them (collection targets, Pushgateway groups).
from monitoring.push_groups import PushGroup  # noqa: E402, F401
from monitoring.targets.models import CheckTemplate, Target  # noqa: E402, F401
