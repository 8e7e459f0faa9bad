"""Query parameters (a QueryDict from the API or a page) into the arguments of the queries, so
the API and the ops pages read `match[]`, `start`, `end`, `step`, `agg`, `group` and `by` the
same way."""

import time

from monitoring.queries.matchers import parse_selectors
from monitoring.queries.params import BadParameter, nice_step_at_least, parse_step, parse_time
from monitoring.queries.range import Aggregation, GroupOp

DEFAULT_RANGE_SECONDS = 3600
# An unset step aims at about this many points per series.
AUTO_STEP_POINTS = 250


def selector_texts(params) -> list[str]:
    return params.getlist("match[]") + params.getlist("match")


def optional_selectors(params):
    texts = selector_texts(params)
    return parse_selectors(texts) if texts else None


def limit_param(params) -> int | None:
    text = params.get("limit")
    if text in (None, ""):
        return None
    if not text.isdigit() or int(text) < 1:
        raise BadParameter("limit must be a positive whole number.", field="limit")
    return int(text)


def ci_param(params) -> int | None:
    """`ci`: only series linked to the configuration item with this id."""
    text = params.get("ci")
    if text in (None, ""):
        return None
    if not text.isdigit():
        raise BadParameter("ci must be the id of a configuration item.", field="ci")
    return int(text)


def enum_param(params, name: str, choices, default):
    text = params.get(name)
    if text in (None, ""):
        return default
    try:
        return choices(text)
    except ValueError:
        allowed = ", ".join(choice.value for choice in choices)
        raise BadParameter(f"{name} must be one of {allowed}; got {text!r}.", field=name) from None


def range_arguments(params, *, now: float | None = None) -> dict:
    """The keyword arguments of `query_range` from query parameters (defaults: the last hour,
    a step giving about 250 points, avg)."""
    now = time.time() if now is None else now
    end = parse_time(params["end"], field="end") if params.get("end") else now
    if params.get("start"):
        start = parse_time(params["start"], field="start")
    else:
        start = end - DEFAULT_RANGE_SECONDS
    if end < start:
        raise BadParameter("end is before start.", field="end")
    if params.get("step"):
        step = parse_step(params["step"])
    else:
        step = nice_step_at_least((end - start) / AUTO_STEP_POINTS)
    by_text = params.get("by", "")
    by = tuple(name.strip() for name in by_text.split(",") if name.strip())
    group = enum_param(params, "group", GroupOp, None)
    if by and group is None:
        group = GroupOp.SUM
    return {
        "selectors": parse_selectors(selector_texts(params)),
        "start": start,
        "end": end,
        "step": step,
        "agg": enum_param(params, "agg", Aggregation, Aggregation.AVG),
        "group": group,
        "by": by,
        "ci_id": ci_param(params),
    }
