"""InfluxDB line protocol parsing: escaping, types, precision, naming, bad lines."""

import pytest

from monitoring.receivers import line_protocol
from monitoring.receivers.line_protocol import LineError, label_name, metric_name

NOW = 1_700_000_123_456


def parse(body, precision="ns", names=None):
    return line_protocol.parse(
        body, precision=precision, now_ms=NOW, names=names or line_protocol._NameCache()
    )


def series(batch):
    return {dict(s.labels)["__name__"]: (dict(s.labels), list(s.samples)) for s in batch.series}


def test_a_telegraf_cpu_line_becomes_one_series_per_field_with_tags_as_labels():
    batch = parse(
        "cpu,cpu=cpu-total,host=web-01 usage_idle=97.5,usage_user=1.25 1700000000000000000\n"
    )

    found = series(batch)
    assert found["cpu_usage_idle"] == (
        {"__name__": "cpu_usage_idle", "cpu": "cpu-total", "host": "web-01"},
        [(1_700_000_000_000, 97.5)],
    )
    assert found["cpu_usage_user"][1] == [(1_700_000_000_000, 1.25)]
    assert (batch.points, batch.samples) == (1, 2)


def test_a_field_named_value_gives_the_measurement_name_alone():
    assert set(series(parse("temperature,room=a value=21.5\n"))) == {"temperature"}


def test_telegrafs_prometheus_measurement_keeps_the_field_name_alone():
    assert set(series(parse("prometheus,job=x go_goroutines=8\n"))) == {"go_goroutines"}


def test_integer_unsigned_float_and_boolean_fields_are_stored_as_numbers():
    batch = parse("m i=-42i,u=18446744073709551615u,f=-1.5e3,t=t,T=TRUE,no=false,F=F 1\n")

    values = {name: samples[0][1] for name, (_labels, samples) in series(batch).items()}
    assert values == {
        "m_i": -42.0,
        "m_u": 18446744073709551615.0,
        "m_f": -1500.0,
        "m_t": 1.0,
        "m_T": 1.0,
        "m_no": 0.0,
        "m_F": 0.0,
    }


def test_string_fields_are_skipped_and_counted():
    batch = parse('syslog,host=a message="disk full, again",severity_code=3i 1\n')

    assert set(series(batch)) == {"syslog_severity_code"}
    assert batch.string_fields_skipped == 1


def test_a_point_with_only_string_fields_stores_nothing_and_is_not_an_error():
    batch = parse('event,host=a text="deployed" 1\n')

    assert batch.series == []
    assert (batch.points, batch.string_fields_skipped) == (1, 1)


def test_escaped_spaces_commas_and_equals_signs_in_measurement_tags_and_field_keys():
    batch = parse(
        r"disk\ io\,stats,mount\ point=/var\ lib,label\=x=a\,b\=c read\ bytes=5i 1" + "\n"
    )

    ((labels, samples),) = series(batch).values()
    assert labels == {
        "__name__": "disk_io_stats_read_bytes",
        "mount_point": "/var lib",
        "label_x": "a,b=c",
    }
    assert samples == [(0, 5.0)]


def test_escaped_quotes_and_backslashes_in_string_fields_do_not_end_the_string():
    batch = parse(r'log msg="say \"hi\", then \\ leave",n=1i 1' + "\n")

    assert set(series(batch)) == {"log_n"}
    assert batch.string_fields_skipped == 1


def test_a_double_backslash_is_one_backslash_and_other_backslashes_are_literal():
    batch = parse(r"m,path=C:\\temp,dir=a\b v=1 1" + "\n")

    ((labels, _samples),) = series(batch).values()
    assert labels["path"] == "C:\\temp"
    assert labels["dir"] == "a\\b"


@pytest.mark.parametrize(
    ("precision", "timestamp", "expected_ms"),
    [
        ("ns", "1700000000123456789", 1_700_000_000_123),
        ("n", "1700000000123456789", 1_700_000_000_123),
        ("us", "1700000000123456", 1_700_000_000_123),
        ("u", "1700000000123456", 1_700_000_000_123),
        ("ms", "1700000000123", 1_700_000_000_123),
        ("s", "1700000000", 1_700_000_000_000),
        ("m", "28333333", 1_699_999_980_000),
        ("h", "472222", 1_699_999_200_000),
    ],
)
def test_every_precision_unit_converts_to_milliseconds(precision, timestamp, expected_ms):
    batch = parse(f"m v=1 {timestamp}\n", precision=precision)

    assert batch.series[0].samples == [(expected_ms, 1.0)]


def test_a_missing_timestamp_means_now():
    assert parse("m v=1\n").series[0].samples == [(NOW, 1.0)]


def test_comments_blank_lines_and_crlf_line_ends_are_ignored():
    batch = parse("# written by hand\r\n\r\nm v=1 1\r\n\n")

    assert batch.points == 1


def test_tags_are_sanitised_into_valid_prometheus_label_names():
    assert label_name("host-name") == "host_name"
    assert label_name("1st") == "_1st"
    assert label_name("__name__") == "tag__name__"
    assert label_name("région") == "r_gion"
    assert metric_name("net.if", "bytes-in") == "net_if_bytes_in"
    assert metric_name("5xx", "count") == "_5xx_count"
    assert metric_name("http:requests", "value") == "http:requests"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("cpu", "missing fields"),
        ("cpu value=", "field 'value' has no value"),
        ("cpu value=1.2.3", "invalid value '1.2.3' for field 'value'"),
        ("cpu value=12i3", "invalid value '12i3'"),
        ("cpu value=NaN", "invalid value 'NaN'"),
        ("cpu value=-1u", "invalid value '-1u'"),
        ("cpu value=9223372036854775808i", "out of the 64-bit range"),
        ('cpu value="unterminated', "unterminated string"),
        ("cpu,host= value=1", "tag 'host' has an empty value"),
        ("cpu,host value=1", "tag 'host' has no value"),
        ("cpu =1", "a field key is empty"),
        ("cpu value=1 soon", "invalid timestamp 'soon'"),
        ("cpu value=1 1 2", "unexpected text after the timestamp"),
    ],
)
def test_a_bad_line_is_named_by_number_and_reason(line, reason):
    with pytest.raises(LineError) as raised:
        parse(f"ok v=1 1\n# comment\n{line}\nok v=2 2\n")

    assert raised.value.line == 3
    assert reason in str(raised.value)


def test_the_same_series_seen_again_reuses_the_same_label_tuple():
    names = line_protocol._NameCache()
    first = parse("cpu,host=a idle=1 1\n", names=names).series[0].labels
    second = parse("cpu,host=a idle=2 2\n", names=names).series[0].labels

    assert first is second


def test_samples_of_one_series_in_a_batch_are_grouped_together():
    batch = parse(
        "cpu,host=a idle=1 1000000\ncpu,host=b idle=5 1000000\ncpu,host=a idle=2 2000000\n"
    )

    assert len(batch.series) == 2
    by_host = {dict(s.labels)["host"]: s.samples for s in batch.series}
    assert by_host["a"] == [(1, 1.0), (2, 2.0)]
