"""`PUT/POST/DELETE /metrics/job/<job>{/<label>/<value>}`: the Pushgateway's push API.

- The path is the grouping key: `job` plus label pairs. A label name suffixed `@base64`
  (`job@base64` too) carries its value in URL-safe base64 (RFC 4648 section 5, padding
  optional); a single `=` is the empty value. The job may not be empty.
- The body (PUT, POST) is the Prometheus text exposition format 0.0.4, optionally gzip-encoded;
  the protobuf push format is refused with 415.
- Every pushed series gets the grouping labels, which replace pushed labels of the same name
  (an empty grouping value removes the label). A sample's own timestamp is kept (the
  Pushgateway refuses those; itops stores them); without one, the time of the push is used.
- PUT replaces every metric of the group, POST only the families it pushes, DELETE removes the
  group (its series go stale). See monitoring/push_groups.py for how groups are stored.
- TYPE and HELP are stored as metric metadata. A series pushed twice in one body is refused.
- Answers: 200 for PUT/POST, 202 for DELETE (as the Pushgateway), 400 naming the problem, 401/403
  for the token (`ingest` scope), 413 past ITOPS_PUSHGATEWAY_MAX_BYTES, 503 when the database
  cannot take the write.
"""

import base64
import binascii

from django.conf import settings
from django.http import HttpResponse

from itops.choices import TokenScope
from monitoring import exposition, push_groups
from monitoring.ingest import Metadata, SeriesSamples, upsert_metadata
from monitoring.ingest.labels import LABEL_NAME
from monitoring.receivers.http import (
    ReceiverError,
    bad_request,
    media_type,
    now_ms,
    read_plain_body,
    receiver,
    require_scope,
)

_BASE64_SUFFIX = "@base64"


def _decode_base64(encoded: str, name: str) -> str:
    if encoded.strip("=") == "":
        return ""
    padded = encoded.rstrip("=")
    padded += "=" * (-len(padded) % 4)
    try:
        return base64.b64decode(padded, altchars=b"-_", validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        raise bad_request(
            f"The value of {name!r} is not valid URL-safe base64 (or not UTF-8).",
            code="invalid_grouping_key",
        ) from None


def grouping_key(path: str) -> dict[str, str]:
    """`job/<job>/<name>/<value>...` (the part of the path after /metrics/) -> labels."""
    segments = path.split("/")
    if segments and segments[-1] == "":
        segments = segments[:-1]
    if len(segments) % 2:
        raise bad_request(
            "The path must be /metrics/job/<job>{/<label>/<value>}: a label has no value.",
            code="invalid_grouping_key",
        )
    grouping: dict[str, str] = {}
    for index in range(0, len(segments), 2):
        name, value = segments[index], segments[index + 1]
        if name.endswith(_BASE64_SUFFIX):
            name = name[: -len(_BASE64_SUFFIX)]
            value = _decode_base64(value, name)
        if not LABEL_NAME.match(name) or name.startswith("__"):
            raise bad_request(
                f"{name!r} is not a valid label name for a grouping key.",
                code="invalid_grouping_key",
            )
        if name in grouping:
            raise bad_request(
                f"The label {name!r} appears twice in the path.", code="invalid_grouping_key"
            )
        grouping[name] = value
    if not grouping.get("job"):
        raise bad_request("The job name must not be empty.", code="invalid_grouping_key")
    return grouping


def _body_text(request) -> str:
    content_type, _params = media_type(request)
    if content_type == "application/vnd.google.protobuf":
        raise ReceiverError(
            415,
            "The protobuf push format is not supported; push the text format (version 0.0.4).",
            code="unsupported_media_type",
        )
    body = read_plain_body(request, limit=settings.ITOPS_PUSHGATEWAY_MAX_BYTES)
    try:
        return exposition.decode(body)
    except exposition.ExpositionError as error:
        raise bad_request(
            f"The body cannot be parsed: {error}.", code="invalid_exposition"
        ) from None


def pushed_series(
    families: list[exposition.Family], grouping: dict[str, str], *, at_ms: int
) -> tuple[list[SeriesSamples], dict[str, list]]:
    """Apply the grouping labels to every sample: (samples to write, label sets by family)."""
    overrides = set(grouping)
    present = [(name, value) for name, value in grouping.items() if value]
    series: list[SeriesSamples] = []
    by_family: dict[str, list] = {}
    seen: set = set()
    for family in families:
        if family.name in push_groups.RESERVED_FAMILIES:
            continue
        if not family.samples:
            continue  # metadata only: replaces nothing
        members = by_family.setdefault(family.name, [])
        for sample in family.samples:
            pairs = [(k, v) for k, v in sample.labels if k not in overrides and v]
            labels = tuple(sorted([("__name__", sample.name), *pairs, *present]))
            if labels in seen:
                inner = ", ".join(f'{k}="{v}"' for k, v in labels if k != "__name__")
                raise bad_request(
                    f"{sample.name}{{{inner}}} is pushed twice in this body.",
                    code="duplicate_series",
                )
            seen.add(labels)
            members.append(labels)
            ts = sample.timestamp_ms if sample.timestamp_ms is not None else at_ms
            series.append(SeriesSamples(labels, [(ts, sample.value)]))
    return series, by_family


def _metadata(families: list[exposition.Family]) -> list[Metadata]:
    return [
        Metadata(family=f.name, metric_type=f.type, help=f.help, unit=f.unit)
        for f in families
        if (f.help or f.type != "unknown" or f.unit) and f.name not in push_groups.RESERVED_FAMILIES
    ]


@receiver("pushgateway", methods=("PUT", "POST", "DELETE"))
def pushgateway_view(request, grouping_path: str):
    require_scope(request, TokenScope.INGEST)
    grouping = grouping_key(grouping_path)
    now = now_ms()
    if request.method == "DELETE":
        push_groups.delete(grouping=grouping, now_ms=now)
        return HttpResponse(status=202)
    text = _body_text(request)
    try:
        families = exposition.parse(text)
    except exposition.ExpositionError as error:
        raise bad_request(
            f"The body cannot be parsed: {error}.", code="invalid_exposition"
        ) from None
    series, by_family = pushed_series(families, grouping, at_ms=now)
    metadata = _metadata(families)
    if metadata:
        upsert_metadata(metadata)
    outcome = push_groups.push(
        grouping=grouping,
        series=series,
        families=by_family,
        replace_all=request.method == "PUT",
        now_ms=now,
    )
    if outcome.written.rejected:
        raise bad_request(outcome.written.summary(), code="samples_refused")
    return HttpResponse(status=200)
