"""Receiver endpoints (fixed paths, see DESIGN.md) and the platform's own /metrics."""

import ipaddress

import redis
from django.conf import settings
from django.db import DatabaseError
from django.http import HttpResponse
from django.views.decorators.cache import never_cache

from itops.choices import TokenScope
from monitoring.ingest import stats, upsert_metadata, write_samples
from monitoring.ingest.writer import WriteResult
from monitoring.models import Series
from monitoring.receivers import json_batch, remote_write
from monitoring.receivers.http import (
    ReceiverError,
    bad_request,
    content_encoding,
    gunzip,
    media_type,
    now_ms,
    read_body,
    receiver,
    require_scope,
    token_of,
)

_DAY_MS = 86_400_000


def _answer(result: WriteResult) -> HttpResponse:
    """204 when everything was stored (or already stored); 400 naming what was refused (the
    valid rest is stored, and the sender must not resend)."""
    if result.rejected:
        raise bad_request(result.summary(), code="samples_refused")
    return HttpResponse(status=204)


@receiver("remote_write")
def remote_write_view(request):
    """`POST /api/v1/write`: Prometheus remote_write 1.0."""
    require_scope(request, TokenScope.INGEST)
    content_type, params = media_type(request)
    remote_write.check_headers(content_type, params, content_encoding(request))
    body = read_body(request, limit=settings.ITOPS_REMOTE_WRITE_MAX_BYTES)
    decoded = remote_write.decode(
        body, max_decoded_bytes=settings.ITOPS_REMOTE_WRITE_MAX_DECODED_BYTES
    )
    if decoded.metadata:
        upsert_metadata(decoded.metadata)
    result = write_samples(decoded.columns, source="remote_write")
    return _answer(result)


@receiver("json")
def json_metrics_view(request):
    """`POST /api/v1/ingest/metrics`: a JSON batch (see monitoring/receivers/json_batch.py)."""
    require_scope(request, TokenScope.INGEST)
    content_type, _params = media_type(request)
    if content_type not in ("application/json", ""):
        raise ReceiverError(
            415,
            f"Content-Type must be application/json, not {content_type!r}.",
            code="unsupported_media_type",
        )
    limit = settings.ITOPS_INGEST_JSON_MAX_BYTES
    body = read_body(request, limit=limit)
    encoding = content_encoding(request)
    if encoding in ("gzip", "x-gzip", "deflate"):
        body = gunzip(body, limit=limit)
    elif encoding not in ("", "identity"):
        raise ReceiverError(
            415,
            f"Content-Encoding must be gzip or absent, not {encoding!r}.",
            code="unsupported_media_type",
        )
    now = now_ms()
    series, _count = json_batch.parse(
        body,
        now_ms=now,
        newest_allowed_ms=now + settings.ITOPS_METRICS_FUTURE_TOLERANCE_SECONDS * 1000,
        oldest_allowed_ms=now - settings.ITOPS_METRICS_RETENTION_DAYS * _DAY_MS,
    )
    return _answer(write_samples(series, source="json", now_ms=now))


# --- /metrics -----------------------------------------------------------------------------------


def _from_this_machine(request) -> bool:
    """A direct connection from loopback. Behind a reverse proxy on the same machine every
    request comes from loopback, so a forwarded request does not count as local."""
    if request.META.get("HTTP_X_FORWARDED_FOR") or request.META.get("HTTP_FORWARDED"):
        return False
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


def _series_gauges() -> list:
    try:
        total = Series.objects.count()
        stale = Series.objects.filter(is_stale=True).count()
    except DatabaseError:
        return []
    return [
        (
            "itops_metric_series",
            "Series stored, by state.",
            [
                ('itops_metric_series{state="live"}', total - stale),
                ('itops_metric_series{state="stale"}', stale),
            ],
        )
    ]


@never_cache
@receiver("self_metrics", methods=("GET",))
def platform_metrics_view(request):
    """`GET /metrics`: the platform's own metrics, Prometheus text format.

    Open to direct connections from this machine; otherwise an API token with the `read` or
    `ingest` scope (Bearer or basic auth) is required."""
    if not _from_this_machine(request):
        token = token_of(request)
        if token is None:
            raise ReceiverError(
                401,
                "Authenticate with an API token (read or ingest scope) to read /metrics.",
                code="not_authenticated",
                headers={"WWW-Authenticate": 'Bearer realm="itops"'},
            )
        if not (token.allows(TokenScope.READ) or token.allows(TokenScope.INGEST)):
            raise ReceiverError(
                403, "This API token needs the 'read' or 'ingest' scope.", code="forbidden"
            )
    try:
        body = stats.exposition(_series_gauges())
    except redis.RedisError as error:
        raise ReceiverError(
            503,
            f"The counters are kept in Redis, which is unavailable: {error}",
            code="unavailable",
        ) from None
    return HttpResponse(body, content_type="text/plain; version=0.0.4; charset=utf-8")
