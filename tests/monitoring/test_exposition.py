"""The Prometheus text exposition parser shared by the Pushgateway receiver and the scraper."""

import math
from pathlib import Path

import pytest

from monitoring.exposition import ExpositionError, parse

FIXTURE = Path(__file__).parent / "fixtures" / "node_exporter.prom"


def by_name(families):
    return {family.name: family for family in families}


def test_a_node_exporter_exposition_parses_into_its_families():
    families = by_name(parse(FIXTURE.read_text()))

    assert len(families) == 135
    assert sum(len(f.samples) for f in families.values()) == 671
    cpu = families["node_cpu_seconds_total"]
    assert cpu.type == "counter"
    assert cpu.help == "Seconds the CPUs spent in each mode."
    assert len(cpu.samples) == 16 * 8
    assert cpu.samples[0].labels == (("cpu", "0"), ("mode", "idle"))
    assert families["node_load1"].samples[0].value == 0.52
    assert families["node_vmstat_pgfault"].type == "unknown"


def test_node_exporter_label_values_with_escapes_are_unescaped():
    families = by_name(parse(FIXTURE.read_text()))

    mountpoints = {
        dict(s.labels)["mountpoint"] for s in families["node_filesystem_size_bytes"].samples
    }
    assert '/srv/data "archive"' in mountpoints
    wwn = dict(families["node_disk_info"].samples[0].labels)["wwn"]
    assert wwn == "eui.002538b1\\x20123"


def test_a_summary_keeps_quantiles_sum_and_count_in_one_family():
    families = by_name(parse(FIXTURE.read_text()))

    gc = families["go_gc_duration_seconds"]
    assert gc.type == "summary"
    assert [s.name for s in gc.samples] == ["go_gc_duration_seconds"] * 5 + [
        "go_gc_duration_seconds_sum",
        "go_gc_duration_seconds_count",
    ]
    assert [dict(s.labels).get("quantile") for s in gc.samples[:5]] == [
        "0",
        "0.25",
        "0.5",
        "0.75",
        "1",
    ]
    assert gc.samples[-1].value == 1893


def test_a_histogram_keeps_buckets_sum_and_count_in_one_family():
    text = """# HELP http_request_duration_seconds Request latency.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{handler="/",le="0.05"} 24054
http_request_duration_seconds_bucket{handler="/",le="0.1"} 33444
http_request_duration_seconds_bucket{handler="/",le="+Inf"} 144320
http_request_duration_seconds_sum{handler="/"} 53423
http_request_duration_seconds_count{handler="/"} 144320
"""
    (family,) = parse(text)

    assert (family.name, family.type, family.help) == (
        "http_request_duration_seconds",
        "histogram",
        "Request latency.",
    )
    assert [dict(s.labels).get("le") for s in family.samples[:3]] == ["0.05", "0.1", "+Inf"]
    assert family.samples[3].name == "http_request_duration_seconds_sum"
    assert family.samples[4].value == 144320


def test_a_histogram_bucket_without_le_is_an_error():
    text = '# TYPE h histogram\nh_bucket{a="1"} 1\n'

    with pytest.raises(ExpositionError, match="line 2: 'h_bucket' needs a 'le' label"):
        parse(text)


def test_a_summary_quantile_that_is_not_a_number_is_an_error():
    with pytest.raises(ExpositionError, match="quantile value 'high'"):
        parse('# TYPE s summary\ns{quantile="high"} 1\n')


def test_label_value_escapes_backslash_quote_and_newline():
    (family,) = parse('m{a="C:\\\\dir",b="say \\"hi\\"",c="one\\ntwo",d="} , ="} 1\n')

    assert dict(family.samples[0].labels) == {
        "a": "C:\\dir",
        "b": 'say "hi"',
        "c": "one\ntwo",
        "d": "} , =",
    }


def test_help_text_escapes_backslash_and_newline():
    (family,) = parse("# HELP m Line one\\nand a \\\\ backslash.\nm 1\n")

    assert family.help == "Line one\nand a \\ backslash."


def test_special_values_timestamps_and_whitespace():
    text = 'a NaN\nb +Inf 1700000000000\n  c\t{x="1" , }\t-Inf  \nd 1.5e3 -5\n'

    families = by_name(parse(text))

    assert math.isnan(families["a"].samples[0].value)
    assert families["b"].samples[0].value == math.inf
    assert families["b"].samples[0].timestamp_ms == 1_700_000_000_000
    assert families["c"].samples[0].labels == (("x", "1"),)
    assert families["c"].samples[0].value == -math.inf
    assert families["d"].samples[0].timestamp_ms == -5
    assert families["a"].samples[0].timestamp_ms is None


def test_openmetrics_eof_exemplars_and_second_timestamps_are_tolerated():
    text = """# TYPE requests counter
# UNIT requests requests
requests_total 10 1700000000.5 # {trace_id="abc"} 1 1700000000.1
# EOF
ignored_after_eof 1
"""
    families = by_name(parse(text))

    assert set(families) == {"requests"}
    sample = families["requests"].samples[0]
    assert (sample.name, sample.value, sample.timestamp_ms) == (
        "requests_total",
        10,
        1_700_000_000_500,
    )
    assert families["requests"].unit == "requests"


def test_comments_and_empty_lines_are_ignored():
    assert by_name(parse("# just a comment\n\n#\nm 1\n\n"))["m"].samples[0].value == 1


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("m", "no value for 'm'"),
        ("m abc", "invalid value 'abc'"),
        ("m 1 2 3", "unexpected text after the timestamp"),
        ("m 1 soon", "invalid timestamp"),
        ("1m 1", "invalid metric name"),
        ('m{a="1" b="2"} 1', "expected ',' or '}'"),
        ("m{a=1} 1", "invalid label set"),
        ('m{a="1",a="2"} 1', "duplicate label name 'a'"),
        ('m{a="unterminated} 1', "invalid label set"),
        ("# TYPE m counter\n# TYPE m gauge", "second TYPE line"),
        ("# TYPE m bogus", "unknown metric type 'bogus'"),
        ("m 1\n# TYPE m gauge", "TYPE line for 'm' after its samples"),
        ("m 1_000", "invalid value '1_000'"),
    ],
)
def test_malformed_lines_are_errors_naming_the_line(text, reason):
    with pytest.raises(ExpositionError) as raised:
        parse("ok 1\n" + text + "\n")

    assert reason in str(raised.value)
    assert raised.value.line >= 2
