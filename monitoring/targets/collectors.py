"""The collectors: a Prometheus scrape, an HTTP check and a TCP connect check.

Each takes a target and the run's start time and returns a `RunResult`: the series to store
(collected samples plus the synthetic ones) and what the target's page shows. A failed target
is a result with `success=False` and an error message, never an exception.

Series each kind writes, all with the target's labels (`job`, `instance`, and its extra labels):

| kind   | series |
|--------|--------|
| scrape | every sample exposed (a scraped label named like a target label is renamed `exported_<name>`, as Prometheus does without honor_labels; a sample's own timestamp is kept, else the scrape's start time), `up` (1 scraped and parsed, else 0), `scrape_duration_seconds`, `scrape_samples_scraped` |
| http   | `probe_success`, `probe_duration_seconds`, `probe_http_status_code` (0 without an answer), `probe_http_content_length` (bytes read), `probe_http_ssl` (1 if the final URL was https), `probe_failed_due_to_regex` (with a body match), and over TLS `probe_ssl_earliest_cert_expiry` (Unix time the server's certificate expires) and `probe_ssl_days_until_expiry` (the same, in days from now) |
| tcp    | `probe_success`, `probe_duration_seconds` |

The names follow the Prometheus server's own scrape series and the blackbox exporter's probe
series, so dashboards and rules written for those work here; `probe_ssl_days_until_expiry` is
an itops addition for thresholds without arithmetic. The blackbox exporter reports the earliest
expiry over the whole chain; here it is the server's own certificate.
"""

import functools
import re
import socket
import ssl
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import certifi
import httpx
from django.conf import settings

from monitoring import exposition
from monitoring.ingest import Labels, Metadata, SeriesSamples
from monitoring.targets import certificates
from monitoring.targets.choices import TargetKind
from monitoring.targets.models import Target, split_host_port

SCRAPE_ACCEPT = "text/plain;version=0.0.4;q=1,*/*;q=0.1"
USER_AGENT = "itops-collector/1"


@dataclass
class RunResult:
    success: bool
    duration_seconds: float
    error: str = ""
    series: list[SeriesSamples] = field(default_factory=list)
    metadata: list[Metadata] = field(default_factory=list)
    # Scrapes: the label sets of the scraped (not synthetic) series, for staleness.
    scraped_labels: set[Labels] | None = None
    samples_scraped: int | None = None
    status_code: int | None = None
    cert_expires_at: datetime | None = None


class CollectError(Exception):
    """A failure to report on the target (the message is what people read)."""


@dataclass
class Fetched:
    status: int
    body: bytes
    url: str
    cert_der: bytes | None


@functools.cache
def _tls_context(verify: bool) -> ssl.SSLContext:
    """One TLS context per process and mode: building one (loading the CA bundle) costs far
    more than a local scrape."""
    if verify:
        return ssl.create_default_context(cafile=certifi.where())
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _peer_certificate(response: httpx.Response) -> bytes | None:
    stream = response.extensions.get("network_stream")
    ssl_object = stream.get_extra_info("ssl_object") if stream is not None else None
    # httpcore hands out the socket's internal SSL object, whose getpeercert() takes the
    # binary_form flag positionally only.
    return ssl_object.getpeercert(True) if ssl_object is not None else None


def _describe(error: Exception) -> str:
    if isinstance(error, httpx.TimeoutException):
        return "timed out"
    if isinstance(error, httpx.ConnectError):
        cause = error.__context__ or error.__cause__
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"TLS certificate not trusted: {cause.verify_message}"
        text = str(error) or type(error).__name__
        return f"connection failed: {text}"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def fetch(
    url: str,
    *,
    method: str = "GET",
    timeout: float,
    verify: bool,
    headers: dict | None = None,
    max_bytes: int | None = None,
) -> Fetched:
    """One HTTP request that gives up after `timeout` seconds in total (connecting, waiting and
    reading), reads at most `max_bytes` of the (decoded) body, and keeps the server's TLS
    certificate. Raises CollectError."""
    max_bytes = settings.ITOPS_COLLECT_MAX_BODY_BYTES if max_bytes is None else max_bytes
    deadline = time.monotonic() + timeout
    sent = {"User-Agent": USER_AGENT, **(headers or {})}
    try:
        with (
            httpx.Client(
                verify=_tls_context(verify),
                timeout=timeout,
                follow_redirects=True,
                trust_env=False,
            ) as client,
            client.stream(method, url, headers=sent) as response,
        ):
            cert = _peer_certificate(response)
            chunks = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise CollectError(f"the answer is larger than {max_bytes} bytes")
                if time.monotonic() > deadline:
                    raise CollectError(f"timed out after {timeout:g} s while reading the answer")
                chunks.append(chunk)
            return Fetched(response.status_code, b"".join(chunks), str(response.url), cert)
    except CollectError:
        raise
    except httpx.TimeoutException:
        raise CollectError(f"timed out after {timeout:g} s") from None
    except (httpx.HTTPError, ssl.SSLError, OSError, ValueError) as error:
        raise CollectError(_describe(error)) from None


# --- labels -------------------------------------------------------------------------------------


def synthetic_series(
    name: str, target_labels: dict[str, str], value: float, at_ms: int
) -> SeriesSamples:
    present = [(k, v) for k, v in target_labels.items() if v]
    return SeriesSamples(tuple(sorted([("__name__", name), *present])), [(at_ms, value)])


def _scraped_labels(sample: exposition.Sample, target_labels: dict[str, str]) -> Labels:
    pairs = []
    for name, value in sample.labels:
        if name in target_labels:
            name = "exported_" + name
        if value:
            pairs.append((name, value))
    pairs.extend((k, v) for k, v in target_labels.items() if v)
    pairs.append(("__name__", sample.name))
    return tuple(sorted(pairs))


# --- scrape -------------------------------------------------------------------------------------


def scrape(target: Target, started_ms: int) -> RunResult:
    labels = target.target_labels()
    begun = time.monotonic()
    series: list[SeriesSamples] = []
    metadata: list[Metadata] = []
    scraped: set[Labels] = set()
    count = 0
    error = ""
    status = None
    try:
        fetched = fetch(
            target.address,
            timeout=target.timeout_seconds,
            verify=target.tls_verify,
            headers={
                "Accept": SCRAPE_ACCEPT,
                "Accept-Encoding": "gzip",
                "X-Prometheus-Scrape-Timeout-Seconds": f"{target.timeout_seconds:g}",
            },
        )
        status = fetched.status
        if not 200 <= fetched.status < 300:
            raise CollectError(f"the server answered HTTP {fetched.status}")
        try:
            families = exposition.parse(exposition.decode(fetched.body))
        except exposition.ExpositionError as parse_error:
            raise CollectError(f"the answer is not Prometheus text format: {parse_error}") from None
        for family in families:
            if family.help or family.type != "unknown" or family.unit:
                metadata.append(Metadata(family.name, family.type, family.help, family.unit))
            for sample in family.samples:
                key = _scraped_labels(sample, labels)
                if key in scraped:
                    continue  # a duplicate in the exposition: the first one counts
                scraped.add(key)
                at = sample.timestamp_ms if sample.timestamp_ms is not None else started_ms
                series.append(SeriesSamples(key, [(at, sample.value)]))
        count = len(series)
    except CollectError as failure:
        error = str(failure)
        series, metadata, scraped = [], [], set()
    duration = time.monotonic() - begun
    series.append(synthetic_series("up", labels, 0.0 if error else 1.0, started_ms))
    series.append(synthetic_series("scrape_duration_seconds", labels, duration, started_ms))
    series.append(synthetic_series("scrape_samples_scraped", labels, float(count), started_ms))
    return RunResult(
        success=not error,
        duration_seconds=duration,
        error=error,
        series=series,
        metadata=metadata,
        scraped_labels=scraped,
        samples_scraped=count,
        status_code=status,
    )


# --- HTTP check ---------------------------------------------------------------------------------


def _body_matches(target: Target, body: bytes) -> bool:
    text = body.decode("utf-8", errors="replace")
    if target.body_match_regex:
        return re.search(target.body_match, text) is not None
    return target.body_match in text


def http_check(target: Target, started_ms: int) -> RunResult:
    labels = target.target_labels()
    begun = time.monotonic()
    error = ""
    status = 0
    length = 0
    final_url = target.address
    cert_expiry = None
    regex_failed = False
    try:
        fetched = fetch(
            target.address,
            method=target.http_method,
            timeout=target.timeout_seconds,
            verify=target.tls_verify,
        )
        status, length, final_url = fetched.status, len(fetched.body), fetched.url
        if fetched.cert_der:
            try:
                cert_expiry = certificates.not_after(fetched.cert_der)
            except (certificates.CertificateError, ValueError):
                cert_expiry = None
        if target.expected_status is not None:
            if status != target.expected_status:
                raise CollectError(f"expected HTTP {target.expected_status}, got {status}")
        elif not 200 <= status < 300:
            raise CollectError(f"expected a 2xx answer, got HTTP {status}")
        if target.body_match and not _body_matches(target, fetched.body):
            regex_failed = True
            how = "match" if target.body_match_regex else "contain"
            raise CollectError(f"the body does not {how} {target.body_match!r}")
    except CollectError as failure:
        error = str(failure)
    duration = time.monotonic() - begun
    at = started_ms
    series = [
        synthetic_series("probe_success", labels, 0.0 if error else 1.0, at),
        synthetic_series("probe_duration_seconds", labels, duration, at),
        synthetic_series("probe_http_status_code", labels, float(status), at),
        synthetic_series("probe_http_content_length", labels, float(length), at),
        synthetic_series(
            "probe_http_ssl", labels, 1.0 if final_url.startswith("https:") else 0.0, at
        ),
    ]
    if target.body_match:
        series.append(
            synthetic_series("probe_failed_due_to_regex", labels, float(regex_failed), at)
        )
    if cert_expiry is not None:
        expiry = cert_expiry.timestamp()
        series.append(synthetic_series("probe_ssl_earliest_cert_expiry", labels, expiry, at))
        days = (expiry - started_ms / 1000) / 86_400
        series.append(synthetic_series("probe_ssl_days_until_expiry", labels, days, at))
    return RunResult(
        success=not error,
        duration_seconds=duration,
        error=error,
        series=series,
        status_code=status or None,
        cert_expires_at=cert_expiry,
    )


# --- TCP check ----------------------------------------------------------------------------------


def tcp_check(target: Target, started_ms: int) -> RunResult:
    labels = target.target_labels()
    begun = time.monotonic()
    error = ""
    try:
        host, port = split_host_port(target.address)
        with socket.create_connection((host, port), timeout=target.timeout_seconds):
            pass
    except TimeoutError:
        error = f"timed out after {target.timeout_seconds:g} s"
    except (OSError, ValueError, TypeError) as failure:
        error = f"connection failed: {failure}"
    duration = time.monotonic() - begun
    return RunResult(
        success=not error,
        duration_seconds=duration,
        error=error,
        series=[
            synthetic_series("probe_success", labels, 0.0 if error else 1.0, started_ms),
            synthetic_series("probe_duration_seconds", labels, duration, started_ms),
        ],
    )


COLLECTORS = {TargetKind.SCRAPE: scrape, TargetKind.HTTP: http_check, TargetKind.TCP: tcp_check}


def now_utc() -> datetime:
    return datetime.now(UTC)
