"""Times and durations as query parameters take them (the forms Prometheus' HTTP API accepts)."""

import math
import re
from datetime import UTC, datetime

from itops.errors import DomainError

_DURATION_UNITS = {
    "ms": 0.001,
    "s": 1,
    "m": 60,
    "h": 3600,
    "d": 86400,
    "w": 7 * 86400,
    "y": 365 * 86400,
}
# Units largest first, each at most once: 1h30m, 2d, 90s, 500ms.
_DURATION = re.compile(
    r"^(?:(?P<y>\d+)y)?(?:(?P<w>\d+)w)?(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?"
    r"(?:(?P<s>\d+)s)?(?:(?P<ms>\d+)ms)?$"
)
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
# Unix seconds must stay within what datetimes can hold.
_MIN_TS, _MAX_TS = 0.0, 253402300799.0


class BadParameter(DomainError):
    code = "bad_parameter"


def _required(text: str | None, *, field: str) -> str:
    text = (text or "").strip()
    if not text:
        raise BadParameter(f"{field} is empty.", field=field)
    return text


def parse_duration_seconds(text: str, *, field: str) -> float:
    """`30s`, `5m`, `1h30m`, `2d`, or plain seconds (`300`, `1.5`)."""
    text = _required(text, field=field)
    if _NUMBER.match(text):
        seconds = float(text)
    else:
        found = _DURATION.match(text)
        if not found or not any(found.groupdict().values()):
            raise BadParameter(
                f"{field} {text!r} is not a duration: use seconds (300) or units such as "
                "30s, 5m, 1h30m, 2d.",
                field=field,
            )
        seconds = sum(
            int(amount) * _DURATION_UNITS[unit]
            for unit, amount in found.groupdict().items()
            if amount
        )
    if not math.isfinite(seconds):
        raise BadParameter(f"{field} must be a finite number of seconds.", field=field)
    return seconds


def parse_step(text: str) -> int:
    """A step: a positive whole number of seconds."""
    seconds = parse_duration_seconds(text, field="step")
    if seconds < 1:
        raise BadParameter(
            f"step {text!r} is too small: the smallest step is 1 second.", field="step"
        )
    if seconds != int(seconds):
        raise BadParameter(f"step {text!r} must be a whole number of seconds.", field="step")
    return int(seconds)


def parse_time(text: str, *, field: str) -> float:
    """RFC 3339 (`2024-05-01T12:00:00Z`, with an offset or fractions) or Unix seconds."""
    text = _required(text, field=field)
    if _NUMBER.match(text):
        seconds = float(text)
    else:
        try:
            moment = datetime.fromisoformat(text.replace("z", "Z"))
        except ValueError:
            raise BadParameter(
                f"{field} {text!r} is neither an RFC 3339 time (2024-05-01T12:00:00Z) nor Unix "
                "seconds.",
                field=field,
            ) from None
        if moment.tzinfo is None:
            raise BadParameter(
                f"{field} {text!r} has no time zone: add Z or an offset such as +02:00.",
                field=field,
            )
        seconds = moment.timestamp()
    if not (_MIN_TS <= seconds <= _MAX_TS):
        raise BadParameter(f"{field} {text!r} is out of range.", field=field)
    return seconds


def to_datetime(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


NICE_STEPS = (15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400)


def nice_step_at_least(seconds: float) -> int:
    """The smallest step of the usual sizes (15 s, 30 s, 1 m, 2 m, 5 m, ...) >= `seconds`."""
    for step in NICE_STEPS:
        if step >= seconds:
            return step
    days = math.ceil(seconds / 86400)
    return days * 86400


def format_duration(seconds: int) -> str:
    """60 -> '1m', 5400 -> '1h30m', 45 -> '45s'."""
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            amount, seconds = divmod(seconds, size)
            parts.append(f"{amount}{unit}")
    return "".join(parts) or "0s"
