"""Fixed vocabularies of the monitoring app."""

from django.db import models


class MetricType(models.TextChoices):
    """Metric types as Prometheus metadata names them (remote_write MetricMetadata.MetricType)."""

    UNKNOWN = "unknown", "Unknown"
    COUNTER = "counter", "Counter"
    GAUGE = "gauge", "Gauge"
    HISTOGRAM = "histogram", "Histogram"
    GAUGE_HISTOGRAM = "gaugehistogram", "Gauge histogram"
    SUMMARY = "summary", "Summary"
    INFO = "info", "Info"
    STATESET = "stateset", "State set"


class RejectReason(models.TextChoices):
    """Why a sample was not stored. Counted per receiver in the platform's own /metrics."""

    FUTURE = "future", "Timestamp too far in the future"
    TOO_OLD = "too_old", "Timestamp older than the retention period"
    INVALID_LABELS = "invalid_labels", "Invalid metric name or labels"
    HASH_COLLISION = "hash_collision", "Series identity collides with another label set"


class Resolution(models.TextChoices):
    """Rollup resolutions, each kept in its own table."""

    MINUTE = "1m", "1 minute"
    HOUR = "1h", "1 hour"
