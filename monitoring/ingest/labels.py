"""Label sets: validation, canonical form and the stable series id derived from it."""

import hashlib
import re
from collections.abc import Iterable, Mapping

METRIC_NAME_LABEL = "__name__"
LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")
METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*\Z")

# Label pairs as a receiver saw them, `__name__` included, in any order.
Labels = tuple[tuple[str, str], ...]


class InvalidLabels(ValueError):
    """A label set that cannot name a series; the message says which label and why."""


def labels_of(metric: str, labels: Mapping[str, str] | None = None) -> Labels:
    """The label pairs of `metric{labels}` in the form `write_samples` takes."""
    pairs = [(METRIC_NAME_LABEL, metric)]
    if labels:
        pairs.extend((str(name), str(value)) for name, value in labels.items())
    return tuple(sorted(pairs))


def canonical(pairs: Iterable[tuple[str, str]]) -> tuple[str, dict[str, str]]:
    """Validate a label set and split it into (metric name, labels sorted by name).

    Rules of the Prometheus data model: label names match [a-zA-Z_][a-zA-Z0-9_]*, a name appears
    once, `__name__` is present and a valid metric name, and a label with an empty value is the
    same as no label (so it is dropped).
    """
    metric = None
    labels: dict[str, str] = {}
    for name, value in pairs:
        if not isinstance(name, str) or not LABEL_NAME.match(name):
            raise InvalidLabels(f"invalid label name {name!r}")
        if not isinstance(value, str):
            raise InvalidLabels(f"label {name} has a value that is not a string")
        if name == METRIC_NAME_LABEL:
            if metric is not None:
                raise InvalidLabels("duplicate label name '__name__'")
            metric = value
            continue
        if name in labels:
            raise InvalidLabels(f"duplicate label name {name!r}")
        labels[name] = value
    if metric is None:
        raise InvalidLabels("the __name__ label (the metric name) is missing")
    if not METRIC_NAME.match(metric):
        raise InvalidLabels(f"invalid metric name {metric!r}")
    return metric, {name: labels[name] for name in sorted(labels) if labels[name] != ""}


def series_id(metric: str, labels: Mapping[str, str]) -> int:
    """The stable identity of a series: a signed 64-bit BLAKE2b hash of its canonical form.

    Names are ASCII and values UTF-8, neither contains the byte 0xff, so joining with it is
    unambiguous. `labels` must be canonical (sorted, no empty values).
    """
    digest = hashlib.blake2b(digest_size=8)
    digest.update(metric.encode())
    for name, value in labels.items():
        digest.update(b"\xff" + name.encode() + b"\xff" + value.encode())
    return int.from_bytes(digest.digest(), "big", signed=True)
