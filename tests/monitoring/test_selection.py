"""Selecting series with matchers: SQL on PostgreSQL, SQL plus Python elsewhere; both must
select the same series."""

from datetime import UTC, datetime

import pytest

from monitoring.queries import SelectorError, parse_selectors, select_series
from tests.factories.monitoring import write_points

pytestmark = pytest.mark.django_db

T0 = int(datetime(2026, 3, 2, tzinfo=UTC).timestamp())


@pytest.fixture
def fleet():
    """node_load1 on three web hosts and a db host, one without env; up for two jobs."""
    for instance, env in (("web-01", "prod"), ("web-02", "prod"), ("web-10", "dev"), ("db-01", "")):
        labels = {"instance": instance, "job": "node"}
        if env:
            labels["env"] = env
        write_points("node_load1", labels, [(T0, 1.0)])
    write_points("up", {"instance": "web-01", "job": "node"}, [(T0, 1.0)])
    write_points("up", {"instance": "pg", "job": "postgres"}, [(T0, 0.0)])


def selected(*texts, limit=100):
    selection = select_series(parse_selectors(list(texts)), limit=limit)
    return sorted(
        f"{s.metric}/{s.labels.get('instance')}" for s in selection.series
    ), selection.truncated


def test_equality_on_metric_name_and_label(fleet):
    names, _ = selected('node_load1{env="prod"}')

    assert names == ["node_load1/web-01", "node_load1/web-02"]


def test_not_equal_keeps_series_without_the_label(fleet):
    names, _ = selected('node_load1{env!="prod"}')

    assert names == ["node_load1/db-01", "node_load1/web-10"]


def test_regex_is_anchored(fleet):
    names, _ = selected('node_load1{instance=~"web-0."}')

    assert names == ["node_load1/web-01", "node_load1/web-02"]
    assert selected('node_load1{instance=~"eb-01"}')[0] == []


def test_negative_regex(fleet):
    names, _ = selected('node_load1{instance!~"web-.*"}')

    assert names == ["node_load1/db-01"]


def test_empty_value_means_the_label_is_absent(fleet):
    assert selected('node_load1{env=""}')[0] == ["node_load1/db-01"]
    assert selected('node_load1{env!=""}')[0] == [
        "node_load1/web-01",
        "node_load1/web-02",
        "node_load1/web-10",
    ]


def test_regex_that_matches_empty_also_selects_series_without_the_label(fleet):
    names, _ = selected('node_load1{env=~"dev|"}')

    assert names == ["node_load1/db-01", "node_load1/web-10"]


def test_metric_name_can_be_matched_by_regex_through_name_label(fleet):
    names, _ = selected('{__name__=~"u.", job="postgres"}')

    assert names == ["up/pg"]
    assert selected('{__name__!="node_load1", job="node"}')[0] == ["up/web-01"]


def test_several_selectors_are_ored(fleet):
    names, _ = selected('node_load1{instance="db-01"}', 'up{job="postgres"}')

    assert names == ["node_load1/db-01", "up/pg"]


def test_results_are_bounded_and_say_so(fleet):
    names, truncated = selected('{job="node"}', limit=2)

    assert len(names) == 2
    assert truncated
    assert selected('{job="node"}', limit=5) == (selected('{job="node"}')[0], False)


def test_nothing_matches_an_unknown_metric(fleet):
    assert selected("no_such_metric") == ([], False)


@pytest.mark.postgres
def test_a_pattern_postgres_refuses_is_a_selector_error_and_the_transaction_survives(fleet):
    # Python accepts lookaheads; PostgreSQL's regular expressions accept them too, but not
    # named groups in Python's syntax.
    with pytest.raises(SelectorError, match="regular expression"):
        select_series(parse_selectors(['up{job=~"(?P<x>node)"}']), limit=10)

    assert selected('up{job="node"}')[0] == ["up/web-01"]
