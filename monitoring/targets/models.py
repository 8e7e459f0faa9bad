"""Targets the platform collects from, and the templates that make targets from CMDB CIs.

A target's settings are audited; its run state (`next_run_at`, `last_*`, `health`) is written
with queryset updates by the collectors, so a run every 15 seconds leaves no audit entry.
"""

import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from monitoring.ingest.labels import LABEL_NAME
from monitoring.targets.choices import HttpMethod, TargetHealth, TargetKind, TargetSource

MIN_INTERVAL_SECONDS = 5
MAX_INTERVAL_SECONDS = 86_400
RESERVED_LABELS = ("job", "instance")


def split_host_port(address: str) -> tuple[str, int | None]:
    """`host`, `host:port`, `[v6]:port` -> (host, port or None); ValueError if malformed."""
    address = address.strip()
    if address.startswith("["):
        host, _, rest = address[1:].partition("]")
        if not rest:
            return host, None
        if not rest.startswith(":"):
            raise ValueError(address)
        return host, int(rest[1:])
    if address.count(":") == 1:
        host, _, port = address.partition(":")
        return host, int(port)
    return address, None


def _validate_url(value: str, field: str) -> None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError({field: "Give a full http:// or https:// URL."})
    try:
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise ValidationError({field: "The port in this URL is not a number."}) from None


def _validate_labels(labels, field: str = "labels") -> None:
    if not isinstance(labels, dict):
        raise ValidationError({field: "Labels are an object of name -> value."})
    for name, value in labels.items():
        if not isinstance(name, str) or not LABEL_NAME.match(name) or name.startswith("__"):
            raise ValidationError({field: f"{name!r} is not a valid label name."})
        if name in RESERVED_LABELS:
            raise ValidationError({field: f"{name!r} is set by the target itself."})
        if not isinstance(value, str):
            raise ValidationError({field: f"The value of {name!r} must be a string."})


class CheckSettings(models.Model):
    """What scrapes and checks share, on targets and on the templates that make them."""

    kind = models.CharField(max_length=10, choices=TargetKind.choices, default=TargetKind.SCRAPE)
    interval_seconds = models.PositiveIntegerField(
        default=30,
        validators=[
            MinValueValidator(MIN_INTERVAL_SECONDS),
            MaxValueValidator(MAX_INTERVAL_SECONDS),
        ],
        help_text="How often to collect, in seconds.",
    )
    timeout_seconds = models.FloatField(
        default=10.0,
        validators=[MinValueValidator(0.1), MaxValueValidator(300.0)],
        help_text="Give up after this many seconds (at most the interval).",
    )
    labels = models.JSONField(
        default=dict, blank=True, help_text="Extra labels added to every series collected."
    )
    http_method = models.CharField(
        max_length=6, choices=HttpMethod.choices, default=HttpMethod.GET, verbose_name="method"
    )
    expected_status = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(100), MaxValueValidator(599)],
        help_text="HTTP checks: the status code that counts as success (empty: any 2xx).",
    )
    body_match = models.CharField(
        max_length=500,
        blank=True,
        help_text="HTTP checks: the body must contain this text (or match it as a regex).",
    )
    body_match_regex = models.BooleanField(
        default=False, verbose_name="body match is a regular expression"
    )
    tls_verify = models.BooleanField(
        default=True,
        verbose_name="verify TLS certificates",
        help_text="Off: self-signed certificates are accepted (their expiry is still measured).",
    )

    class Meta:
        abstract = True

    def clean_check_settings(self) -> None:
        if (
            self.timeout_seconds is not None
            and self.interval_seconds is not None
            and self.timeout_seconds > self.interval_seconds
        ):
            raise ValidationError({"timeout_seconds": "The timeout must not exceed the interval."})
        _validate_labels(self.labels)
        if self.body_match and self.body_match_regex:
            try:
                re.compile(self.body_match)
            except re.error as error:
                raise ValidationError(
                    {"body_match": f"Not a valid regular expression: {error}."}
                ) from None


class CheckTemplate(CheckSettings):
    """How to check the CIs of one class: e.g. servers -> scrape :9100/metrics, load
    balancers -> an HTTP check. The CMDB sync makes one target per CI with a monitoring
    address and per enabled template of its class."""

    name = models.CharField(max_length=100)
    ci_class = models.ForeignKey(
        "cmdb.CIClass", on_delete=models.CASCADE, related_name="check_templates"
    )
    scheme = models.CharField(
        max_length=5,
        choices=[("http", "http"), ("https", "https")],
        default="http",
        help_text="Scrapes and HTTP checks of CIs whose address is not a URL.",
    )
    port = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(65535)],
        help_text="Used when the CI's monitoring address has no port.",
    )
    path = models.CharField(
        max_length=300, blank=True, help_text="Scrapes and HTTP checks, e.g. /metrics."
    )
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["ci_class__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["ci_class", "name"], name="unique_check_template_name")
        ]

    def __str__(self):
        return f"{self.ci_class}: {self.name}"

    def clean(self):
        self.clean_check_settings()
        if self.kind == TargetKind.TCP and not self.port:
            raise ValidationError({"port": "TCP checks need a port."})
        if self.path and not self.path.startswith("/"):
            raise ValidationError({"path": "The path starts with /."})


class Target(CheckSettings):
    """Something to collect from: a Prometheus endpoint to scrape, a URL to check, a TCP port
    to connect to."""

    name = models.CharField(max_length=200, unique=True)
    address = models.CharField(
        max_length=500,
        help_text="Scrapes and HTTP checks: a URL. TCP checks: host:port.",
    )
    job = models.CharField(
        max_length=100,
        blank=True,
        help_text="The job label of the series collected (empty: the target's name).",
    )
    enabled = models.BooleanField(default=True)
    ci = models.ForeignKey(
        "cmdb.ConfigurationItem",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="monitoring_targets",
        verbose_name="configuration item",
    )
    source = models.CharField(
        max_length=10, choices=TargetSource.choices, default=TargetSource.MANUAL, editable=False
    )
    template = models.ForeignKey(
        CheckTemplate,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="targets",
        editable=False,
        help_text="The check template that made this target from its CI.",
    )
    # Run state, written by the dispatcher and the collectors.
    next_run_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_run_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_duration_seconds = models.FloatField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True, editable=False)
    last_samples = models.PositiveIntegerField(
        null=True, blank=True, editable=False, help_text="Samples scraped in the last run."
    )
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    cert_expires_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the TLS certificate expires."
    )
    health = models.CharField(
        max_length=10,
        choices=TargetHealth.choices,
        default=TargetHealth.UNKNOWN,
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["enabled", "next_run_at"], name="monitoring_target_due"),
            models.Index(fields=["health"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["ci", "template"],
                condition=models.Q(template__isnull=False),
                name="one_target_per_ci_and_template",
            )
        ]

    def __str__(self):
        return self.name

    RUN_STATE_FIELDS = (
        "next_run_at",
        "last_run_at",
        "last_duration_seconds",
        "last_error",
        "last_samples",
        "last_status_code",
        "cert_expires_at",
        "health",
        "updated_at",
    )

    def clean(self):
        self.clean_check_settings()
        address = (self.address or "").strip()
        if self.kind in (TargetKind.SCRAPE, TargetKind.HTTP):
            _validate_url(address, "address")
        elif self.kind == TargetKind.TCP:
            try:
                host, port = split_host_port(address)
            except ValueError:
                host, port = "", None
            if not host or port is None or not 0 < port < 65536:
                raise ValidationError({"address": "Give host:port for a TCP check."})

    @property
    def job_label(self) -> str:
        return self.job or self.name

    @property
    def instance_label(self) -> str:
        """Scrapes: host:port of the URL (as Prometheus labels targets); HTTP checks: the URL
        (as the blackbox exporter's probes are labelled); TCP checks: host:port."""
        if self.kind == TargetKind.SCRAPE:
            parts = urlsplit(self.address)
            port = parts.port or (443 if parts.scheme == "https" else 80)
            host = parts.hostname or ""
            host = f"[{host}]" if ":" in host else host
            return f"{host}:{port}"
        return self.address

    def target_labels(self) -> dict[str, str]:
        """The labels every series of this target carries."""
        return {**self.labels, "job": self.job_label, "instance": self.instance_label}

    @property
    def health_badge(self) -> str:
        return {
            TargetHealth.UP: "success",
            TargetHealth.DOWN: "danger",
        }.get(self.health, "secondary")
