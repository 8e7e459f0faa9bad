"""The Prometheus text exposition format 0.0.4: one parser for the Pushgateway receiver and the
scraper.

What it accepts (the format as Prometheus' own text parser reads it):

- One sample or comment per line (`\\n`, a trailing `\\r` is ignored); empty lines are skipped.
  Tokens are separated by any run of blanks or tabs; leading and trailing blanks are ignored.
- `# HELP <name> <text>` (text unescaped: `\\\\` -> backslash, `\\n` -> newline) and
  `# TYPE <name> counter|gauge|histogram|summary|untyped`, at most once per name. Other
  comments are ignored. OpenMetrics' `# UNIT` is read as the unit and `# EOF` ends the input.
- `name{label="value",...} value [timestamp]`: label values unescape `\\\\`, `\\"` and `\\n`
  (other escapes are kept as written); a trailing comma in the label set is allowed; values
  are floats including `NaN`, `+Inf` and `-Inf`; the timestamp is integer milliseconds. A
  timestamp with a fraction or an exponent is read as OpenMetrics seconds. An OpenMetrics
  exemplar (`# {...} value`) after the value is ignored.
- Histograms: `<name>_bucket` samples need an `le` label, `_sum` and `_count` belong to the
  family; summaries: `<name>` samples need a `quantile` label. `le` and `quantile` must be
  floats. Samples of a family are grouped under its name whatever their suffix.

Errors raise `ExpositionError` naming the line number and the reason.
"""

import math
import re
from dataclasses import dataclass, field

from monitoring.choices import MetricType

_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL = re.compile(r'[ \t]*([a-zA-Z_][a-zA-Z0-9_]*)[ \t]*=[ \t]*"((?:[^"\\\n]|\\.)*)"[ \t]*(,?)')
_BLANKS = " \t"

TYPES = {
    "counter": MetricType.COUNTER,
    "gauge": MetricType.GAUGE,
    "histogram": MetricType.HISTOGRAM,
    "summary": MetricType.SUMMARY,
    "untyped": MetricType.UNKNOWN,
    # OpenMetrics names, tolerated.
    "unknown": MetricType.UNKNOWN,
    "gaugehistogram": MetricType.GAUGE_HISTOGRAM,
    "info": MetricType.INFO,
    "stateset": MetricType.STATESET,
}
_SUFFIXES = {
    MetricType.HISTOGRAM: ("_bucket", "_sum", "_count"),
    MetricType.GAUGE_HISTOGRAM: ("_bucket", "_gsum", "_gcount"),
    MetricType.SUMMARY: ("_sum", "_count"),
    MetricType.COUNTER: ("_total", "_created"),
    MetricType.INFO: ("_info",),
}


class ExpositionError(ValueError):
    def __init__(self, line: int, reason: str):
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


@dataclass(slots=True)
class Sample:
    """One sample: its full name (`x_bucket`, ...), labels without `__name__` as a tuple of
    (name, value) in the order written, the value, and the timestamp in ms (None = none)."""

    name: str
    labels: tuple[tuple[str, str], ...]
    value: float
    timestamp_ms: int | None


@dataclass(slots=True)
class Family:
    name: str
    type: str = MetricType.UNKNOWN
    help: str = ""
    unit: str = ""
    samples: list[Sample] = field(default_factory=list)


def _unescape_label(value: str) -> str:
    if "\\" not in value:
        return value
    out = []
    index = 0
    length = len(value)
    while index < length:
        char = value[index]
        if char == "\\" and index + 1 < length:
            following = value[index + 1]
            if following == "n":
                out.append("\n")
            elif following in '\\"':
                out.append(following)
            else:
                out.append("\\" + following)
            index += 2
            continue
        out.append(char)
        index += 1
    return "".join(out)


def _unescape_help(text: str) -> str:
    """HELP text escapes only `\\\\` and `\\n`; any other backslash stays as written."""
    if "\\" not in text:
        return text
    return _HELP_ESCAPE.sub(lambda match: "\n" if match.group(1) == "n" else "\\", text)


_HELP_ESCAPE = re.compile(r"\\([\\n])")


_SPECIAL_FLOATS = {"nan": math.nan, "+inf": math.inf, "inf": math.inf, "-inf": -math.inf}


def parse_value(text: str) -> float:
    """A sample value as Prometheus reads it (Go's ParseFloat): ValueError if it is not one."""
    special = _SPECIAL_FLOATS.get(text.lower())
    if special is not None:
        return special
    if "_" in text or text.lower().lstrip("+-") in ("infinity",):
        raise ValueError(text)
    return float(text)


def _parse_timestamp(text: str, number: int) -> int:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        seconds = float(text)
    except ValueError:
        raise ExpositionError(number, f"invalid timestamp {text!r}") from None
    if not math.isfinite(seconds):
        raise ExpositionError(number, f"invalid timestamp {text!r}")
    return round(seconds * 1000)


class _Parser:
    def __init__(self):
        self.families: dict[str, Family] = {}
        self.typed: set[str] = set()
        self.helped: set[str] = set()
        # sample name -> family name, learned from TYPE lines and earlier samples
        self.owner: dict[str, str] = {}

    def family(self, name: str) -> Family:
        family = self.families.get(name)
        if family is None:
            family = self.families[name] = Family(name)
        return family

    def comment(self, line: str, number: int) -> bool:
        """Handle a `#` line; False at `# EOF`."""
        parts = line[1:].split(None, 2)
        keyword = parts[0] if parts else ""
        if keyword == "EOF":
            return False
        if keyword not in ("HELP", "TYPE", "UNIT"):
            return True
        name = parts[1] if len(parts) > 1 else ""
        text = parts[2] if len(parts) > 2 else ""
        if not _NAME.fullmatch(name):
            raise ExpositionError(number, f"invalid metric name {name!r} in # {keyword}")
        if keyword == "HELP":
            if name in self.helped:
                raise ExpositionError(number, f"second HELP line for metric name {name!r}")
            self.helped.add(name)
            self.family(name).help = _unescape_help(text.strip(_BLANKS))
        elif keyword == "TYPE":
            kind = text.strip(_BLANKS).lower()
            if kind not in TYPES:
                raise ExpositionError(number, f"unknown metric type {kind!r} for {name!r}")
            if name in self.typed:
                raise ExpositionError(number, f"second TYPE line for metric name {name!r}")
            family = self.family(name)
            if family.samples:
                raise ExpositionError(number, f"TYPE line for {name!r} after its samples")
            self.typed.add(name)
            family.type = TYPES[kind]
            for suffix in _SUFFIXES.get(family.type, ()):
                self.owner[name + suffix] = name
            self.owner[name] = name
        else:
            self.family(name).unit = text.strip(_BLANKS)
        return True

    def sample(self, line: str, number: int) -> None:
        match = _NAME.match(line)
        end = match.end() if match else 0
        if end == 0 or (end < len(line) and line[end] not in " \t{"):
            name = line.split()[0].split("{")[0]
            raise ExpositionError(number, f"invalid metric name {name!r}")
        name = line[:end]
        position = end
        while position < len(line) and line[position] in _BLANKS:
            position += 1
        if position < len(line) and line[position] == "{":
            labels, position = self.labels(line, position + 1, number)
        else:
            labels = ()
        rest = line[position:].split()
        if "#" in rest:  # an OpenMetrics exemplar follows the value (and timestamp)
            rest = rest[: rest.index("#")]
        if not rest:
            raise ExpositionError(number, f"no value for {name!r}")
        if len(rest) > 2:
            raise ExpositionError(number, f"unexpected text after the timestamp: {rest[2]!r}")
        try:
            value = parse_value(rest[0])
        except ValueError:
            raise ExpositionError(number, f"invalid value {rest[0]!r} for {name!r}") from None
        timestamp = _parse_timestamp(rest[1], number) if len(rest) == 2 else None
        family_name = self.owner.get(name)
        if family_name is None:
            family_name = self.owner[name] = name
        family = self.family(family_name)
        if family.type == MetricType.HISTOGRAM and name == family_name + "_bucket":
            self.check_bound(labels, "le", name, number)
        elif family.type == MetricType.SUMMARY and name == family_name:
            self.check_bound(labels, "quantile", name, number)
        family.samples.append(Sample(name, labels, value, timestamp))

    @staticmethod
    def check_bound(labels, label: str, name: str, number: int) -> None:
        for key, value in labels:
            if key == label:
                try:
                    parse_value(value)
                except ValueError:
                    raise ExpositionError(
                        number, f"{label} value {value!r} of {name!r} is not a number"
                    ) from None
                return
        raise ExpositionError(number, f"{name!r} needs a {label!r} label")

    @staticmethod
    def labels(line: str, position: int, number: int) -> tuple[tuple, int]:
        pairs = []
        seen = set()
        length = len(line)
        while True:
            while position < length and line[position] in _BLANKS:
                position += 1
            if position < length and line[position] == "}":
                return tuple(pairs), position + 1
            match = _LABEL.match(line, position)
            if match is None:
                raise ExpositionError(number, f"invalid label set near column {position + 1}")
            key, raw, comma = match.groups()
            if key in seen:
                raise ExpositionError(number, f"duplicate label name {key!r}")
            seen.add(key)
            pairs.append((key, _unescape_label(raw)))
            position = match.end()
            if not comma:
                while position < length and line[position] in _BLANKS:
                    position += 1
                if position < length and line[position] == "}":
                    return tuple(pairs), position + 1
                raise ExpositionError(number, f"expected ',' or '}}' at column {position + 1}")


def parse(text: str) -> list[Family]:
    """Parse an exposition into its metric families, in the order they first appear.

    Families with a TYPE or HELP line but no samples are kept (their metadata is still news)."""
    parser = _Parser()
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.strip(" \t\r")
        if not line:
            continue
        if line[0] == "#":
            if not parser.comment(line, number):
                break
            continue
        parser.sample(line, number)
    return list(parser.families.values())


def decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ExpositionError(
            body.count(b"\n", 0, error.start) + 1, "the text is not valid UTF-8"
        ) from None
