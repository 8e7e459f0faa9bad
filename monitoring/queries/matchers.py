r"""Series selectors in Prometheus syntax: `metric{label="value", other=~"re.*"}`.

Four operators: `=` equal, `!=` not equal, `=~` matches the regular expression, `!~` does not
match it. Regular expressions are fully anchored, as in Prometheus: `=~"web-.*"` matches
`web-01` but not `old-web-01`. A label a series does not have has the value "", so `env=""`
selects series without an `env` label and `env!=""` those with one. The metric name is the
label `__name__`; `up{job="node"}` is short for `{__name__="up", job="node"}`.

String values are written in double quotes, single quotes or backticks; inside quotes the
escapes of Go (and PromQL) apply: `\\`, `\"`, `\'`, `\n`, `\t`, `\xHH`, `\uHHHH`, ...; inside
backticks nothing is escaped.
"""

import enum
import re
from dataclasses import dataclass, field
from functools import cached_property

from itops.errors import DomainError
from monitoring.ingest.labels import LABEL_NAME, METRIC_NAME, METRIC_NAME_LABEL

MAX_SELECTOR_LENGTH = 2000
MAX_MATCHERS = 30


class SelectorError(DomainError):
    """A selector that cannot be parsed or would select everything; the message says where."""

    code = "bad_selector"

    def __init__(self, message: str, *, field: str = "match"):
        super().__init__(message, field=field)


class MatchOp(enum.StrEnum):
    EQUAL = "="
    NOT_EQUAL = "!="
    REGEX = "=~"
    NOT_REGEX = "!~"

    @property
    def is_regex(self) -> bool:
        return self in (MatchOp.REGEX, MatchOp.NOT_REGEX)

    @property
    def is_negative(self) -> bool:
        return self in (MatchOp.NOT_EQUAL, MatchOp.NOT_REGEX)


def quote_value(value: str) -> str:
    """A label value as a double-quoted selector string."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def series_selector(metric: str | None, labels: dict[str, str]) -> str:
    """`metric{name="value", ...}`: how Prometheus writes a series, and a selector for it."""
    inner = ", ".join(f"{name}={quote_value(value)}" for name, value in sorted(labels.items()))
    if not inner and metric:
        return metric
    return f"{metric or ''}{{{inner}}}"


_FLAGS_PREFIX = re.compile(r"\(\?[is]+\)")


@dataclass(frozen=True)
class Matcher:
    """One `name op "value"` condition on a label (the metric name is the label __name__)."""

    name: str
    op: MatchOp
    value: str

    def __post_init__(self):
        if self.op.is_regex:
            try:
                self.compiled  # noqa: B018 - validate now, so a bad pattern fails the parse
            except re.error as error:
                raise SelectorError(
                    f"Invalid regular expression {self.value!r} for label {self.name}: {error}."
                ) from None

    @cached_property
    def compiled(self) -> re.Pattern:
        return re.compile(self.value, re.DOTALL)

    def matches(self, value: str) -> bool:
        """Does a label value ("" when the series lacks the label) satisfy this matcher?"""
        if self.op is MatchOp.EQUAL:
            return value == self.value
        if self.op is MatchOp.NOT_EQUAL:
            return value != self.value
        found = self.compiled.fullmatch(value) is not None
        return found if self.op is MatchOp.REGEX else not found

    @property
    def matches_empty(self) -> bool:
        return self.matches("")

    def anchored_pattern(self) -> str:
        """The regular expression anchored at both ends, with leading inline flags kept in
        front (PostgreSQL accepts embedded options only at the very start)."""
        pattern, flags = self.value, ""
        found = _FLAGS_PREFIX.match(pattern)
        if found:
            flags, pattern = found.group(0), pattern[found.end() :]
        return f"{flags}^(?:{pattern})$"

    def __str__(self):
        return f"{self.name}{self.op}{quote_value(self.value)}"


@dataclass(frozen=True)
class Selector:
    """All matchers must hold (several selectors in one request are ORed by the caller)."""

    matchers: tuple[Matcher, ...] = field(default_factory=tuple)

    @property
    def metric(self) -> str | None:
        """The metric name when an equality matcher fixes it."""
        for matcher in self.matchers:
            if matcher.name == METRIC_NAME_LABEL and matcher.op is MatchOp.EQUAL:
                return matcher.value
        return None

    def matches(self, metric: str, labels: dict[str, str]) -> bool:
        for matcher in self.matchers:
            value = metric if matcher.name == METRIC_NAME_LABEL else labels.get(matcher.name, "")
            if not matcher.matches(value):
                return False
        return True

    def __str__(self):
        metric = self.metric
        rest = [m for m in self.matchers if not (m.name == METRIC_NAME_LABEL and m.op == "=")]
        inner = ", ".join(str(m) for m in rest)
        if metric:
            return f"{metric}{{{inner}}}" if inner else metric
        return f"{{{inner}}}"


_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    "'": "'",
    '"': '"',
}
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}
_OPERATORS = ("=~", "!~", "!=", "=")
_NAME_START = re.compile(r"[a-zA-Z_:]")
_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.pos = 0

    def fail(self, message: str):
        raise SelectorError(f"{message} at position {self.pos + 1} of {self.text!r}.")

    def skip_space(self):
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def name(self, what: str) -> str:
        found = _NAME.match(self.text, self.pos)
        if not found:
            self.fail(f"Expected {what}")
        self.pos = found.end()
        return found.group(0)

    def operator(self) -> MatchOp:
        for op in _OPERATORS:
            if self.text.startswith(op, self.pos):
                self.pos += len(op)
                return MatchOp(op)
        self.fail("Expected one of the operators =, !=, =~, !~")

    def string(self) -> str:
        quote = self.peek()
        if quote not in ("'", '"', "`"):
            self.fail("Expected a quoted string")
        start = self.pos
        self.pos += 1
        out = []
        while True:
            if self.pos >= len(self.text):
                self.pos = start
                self.fail("Unterminated string")
            char = self.text[self.pos]
            self.pos += 1
            if char == quote:
                return "".join(out)
            if char == "\\" and quote != "`":
                out.append(self.escape())
            elif char == "\n" and quote != "`":
                self.fail("Line break inside a quoted string")
            else:
                out.append(char)

    def escape(self) -> str:
        if self.pos >= len(self.text):
            self.fail("Unterminated escape sequence")
        char = self.text[self.pos]
        self.pos += 1
        if char in _ESCAPES:
            return _ESCAPES[char]
        if char in _HEX_ESCAPES:
            digits = self.text[self.pos : self.pos + _HEX_ESCAPES[char]]
            if len(digits) != _HEX_ESCAPES[char] or not re.fullmatch(r"[0-9a-fA-F]+", digits):
                self.fail(f"Invalid escape \\{char}{digits}")
            self.pos += len(digits)
            code = int(digits, 16)
            if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                self.fail(f"Invalid escape \\{char}{digits}: not a Unicode character")
            return chr(code)
        if char in "01234567":
            digits = self.text[self.pos - 1 : self.pos + 2]
            if not re.fullmatch(r"[0-7]{3}", digits) or int(digits, 8) > 255:
                self.fail("Invalid octal escape (use three digits, at most \\377)")
            self.pos += 2
            return chr(int(digits, 8))
        self.pos -= 1
        self.fail(f"Unknown escape sequence \\{char}")

    def selector(self) -> Selector:
        matchers: list[Matcher] = []
        self.skip_space()
        if _NAME_START.match(self.peek()):
            metric = self.name("a metric name")
            matchers.append(Matcher(METRIC_NAME_LABEL, MatchOp.EQUAL, metric))
            self.skip_space()
        if self.peek() == "{":
            self.pos += 1
            self.skip_space()
            while self.peek() != "}":
                if not self.peek():
                    self.fail("Expected '}' to close the label matchers")
                label_at = self.pos
                label = self.name("a label name")
                if not LABEL_NAME.match(label):
                    self.pos = label_at
                    self.fail(f"Invalid label name {label!r}")
                self.skip_space()
                op = self.operator()
                self.skip_space()
                value = self.string()
                matchers.append(self.matcher(label, op, value))
                self.skip_space()
                if self.peek() == ",":
                    self.pos += 1
                    self.skip_space()
                elif not self.peek():
                    self.fail("Expected '}' to close the label matchers")
                elif self.peek() != "}":
                    self.fail("Expected ',' or '}' after a label matcher")
            self.pos += 1
            self.skip_space()
        if self.pos < len(self.text):
            self.fail(f"Unexpected {self.peek()!r}")
        if not matchers:
            self.fail("Expected a metric name or label matchers in braces")
        return Selector(tuple(matchers))

    def matcher(self, label: str, op: MatchOp, value: str) -> Matcher:
        if label == METRIC_NAME_LABEL and op is MatchOp.EQUAL and not METRIC_NAME.match(value):
            self.fail(f"Invalid metric name {value!r}")
        return Matcher(label, op, value)


def parse_selector(text: str) -> Selector:
    """Parse one selector; raise SelectorError naming the problem and where it is."""
    if not isinstance(text, str) or not text.strip():
        raise SelectorError("The selector is empty; give a metric name or label matchers.")
    if len(text) > MAX_SELECTOR_LENGTH:
        raise SelectorError(f"The selector is longer than {MAX_SELECTOR_LENGTH} characters.")
    selector = _Parser(text).selector()
    if len(selector.matchers) > MAX_MATCHERS:
        raise SelectorError(f"A selector may have at most {MAX_MATCHERS} matchers.")
    if all(matcher.matches_empty for matcher in selector.matchers):
        raise SelectorError(
            f"The selector {text.strip()!r} would match every series: give a metric name or at "
            "least one matcher that does not match the empty string."
        )
    return selector


def parse_selectors(texts: list[str], *, max_selectors: int = 20) -> list[Selector]:
    """Several selectors (repeated `match[]` or `match` parameters), ORed by the caller."""
    if not texts:
        raise SelectorError("Give at least one selector in `match[]` (or `match`).")
    if len(texts) > max_selectors:
        raise SelectorError(f"At most {max_selectors} selectors per request.")
    return [parse_selector(text) for text in texts]
