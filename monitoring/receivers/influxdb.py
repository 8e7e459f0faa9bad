"""InfluxDB write endpoints for Telegraf and other line protocol clients.

- `POST /api/v2/write?org=&bucket=&precision=ns|us|ms|s` (InfluxDB 2 API; Telegraf's
  `outputs.influxdb_v2`). Token: `Authorization: Token <t>` as InfluxDB 2 clients send it, or
  Bearer, or basic auth with the token as password.
- `POST /write?db=&rp=&precision=n|ns|u|us|ms|s|m|h` (InfluxDB 1 API; `outputs.influxdb`).
  Token as above, or as the `p` query parameter (InfluxDB 1's `u=&p=`).

The token needs the `ingest` scope. `org`, `bucket`, `db` and `rp` are accepted and ignored:
itops keeps one metric store. The precision defaults to nanoseconds. Bodies may be
gzip-encoded (Telegraf's default). Answers: 204 when stored; 400 naming the first bad line
(nothing of that batch is stored); 401/403 for the token; 413 past
ITOPS_LINE_PROTOCOL_MAX_BYTES (compressed or decompressed; Telegraf then splits the batch);
503 when the database cannot take the write. Error bodies carry `message` (InfluxDB 2) and
`error` (InfluxDB 1) beside the platform's `detail` and `code`.

String fields are skipped and counted in `itops_ingest_string_fields_skipped_total` on
/metrics; the answer says how many in the `X-Itops-String-Fields-Skipped` header.
"""

import functools
import logging

import redis
from django.conf import settings
from django.http import HttpResponse, JsonResponse

from itops.authentication import TokenRejected
from itops.choices import TokenScope
from monitoring.ingest import stats, write_samples
from monitoring.ingest.redis_store import client as redis_client
from monitoring.receivers import line_protocol
from monitoring.receivers.http import (
    ReceiverError,
    bad_request,
    now_ms,
    read_plain_body,
    receiver,
    require_scope,
    token_cache,
)

logger = logging.getLogger(__name__)

SKIPPED_HEADER = "X-Itops-String-Fields-Skipped"


class InfluxError(ReceiverError):
    """A ReceiverError whose body also speaks InfluxDB: `message` (v2) and `error` (v1)."""

    def __init__(self, error: ReceiverError, *, line: int | None = None):
        super().__init__(error.status, error.message, code=error.code, headers=error.headers)
        self.line = line

    def response(self) -> HttpResponse:
        body = {"detail": self.message, "code": self.code, "message": self.message}
        body["error"] = self.message
        if self.line is not None:
            body["line"] = self.line
        response = JsonResponse(body, status=self.status)
        for name, value in self.headers.items():
            response[name] = value
        return response


def _speaks_influx(handler):
    @functools.wraps(handler)
    def wrapped(request, *args, **kwargs):
        try:
            return handler(request, *args, **kwargs)
        except InfluxError:
            raise
        except ReceiverError as error:
            raise InfluxError(error) from None

    return wrapped


def _authenticate(request, *, query_password: bool) -> None:
    """`Authorization: Token <t>` (InfluxDB's own scheme), else what every receiver accepts
    (Bearer, basic), else (v1 only) the `p` query parameter."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, credentials = header.partition(" ")
    raw = None
    if scheme.lower() == "token":
        raw = credentials.strip()
    elif not header and query_password and request.GET.get("p"):
        raw = request.GET["p"]
    if raw is None:
        require_scope(request, TokenScope.INGEST)
        return
    try:
        token = token_cache.get(raw)
    except TokenRejected as rejected:
        raise ReceiverError(
            401,
            str(rejected),
            code="not_authenticated",
            headers={"WWW-Authenticate": 'Token realm="itops"'},
        ) from None
    if not token.allows(TokenScope.INGEST):
        raise ReceiverError(403, "This API token lacks the 'ingest' scope.", code="forbidden")


def _precision(request, allowed: tuple[str, ...]) -> str:
    precision = request.GET.get("precision") or "ns"
    if precision not in allowed:
        raise bad_request(
            f"precision must be one of {', '.join(allowed)}, not {precision!r}.",
            code="invalid_precision",
        )
    return precision


def _count_skipped(receiver_name: str, count: int) -> None:
    if not count:
        return
    key = stats.line_key("itops_ingest_string_fields_skipped_total", receiver=receiver_name)
    try:
        pipeline = redis_client().pipeline(transaction=False)
        stats.queue_counters(pipeline, {key: count})
        pipeline.execute()
    except redis.RedisError as error:
        logger.warning("could not count skipped string fields in Redis: %s", error)


def _write(request, *, receiver_name: str, precision: str) -> HttpResponse:
    body = read_plain_body(request, limit=settings.ITOPS_LINE_PROTOCOL_MAX_BYTES)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        line = body.count(b"\n", 0, error.start) + 1
        raise InfluxError(
            bad_request(f"line {line}: the text is not valid UTF-8."), line=line
        ) from None
    now = now_ms()
    try:
        batch = line_protocol.parse(text, precision=precision, now_ms=now)
    except line_protocol.LineError as error:
        raise InfluxError(
            bad_request(f"Nothing was stored: {error}.", code="invalid_line"), line=error.line
        ) from None
    result = write_samples(batch.series, source=receiver_name, now_ms=now)
    _count_skipped(receiver_name, batch.string_fields_skipped)
    if result.rejected:
        raise bad_request(result.summary(), code="samples_refused")
    response = HttpResponse(status=204)
    if batch.string_fields_skipped:
        response[SKIPPED_HEADER] = str(batch.string_fields_skipped)
    return response


@receiver("influxdb_v2")
@_speaks_influx
def influxdb_v2_write_view(request):
    """`POST /api/v2/write`: InfluxDB 2 line protocol writes."""
    _authenticate(request, query_password=False)
    precision = _precision(request, line_protocol.V2_PRECISIONS)
    return _write(request, receiver_name="influxdb_v2", precision=precision)


@receiver("influxdb_v1")
@_speaks_influx
def influxdb_v1_write_view(request):
    """`POST /write`: InfluxDB 1 line protocol writes."""
    _authenticate(request, query_password=True)
    precision = _precision(request, line_protocol.V1_PRECISIONS)
    return _write(request, receiver_name="influxdb_v1", precision=precision)
