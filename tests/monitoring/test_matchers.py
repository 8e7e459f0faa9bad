"""Parsing Prometheus series selectors."""

import pytest

from monitoring.queries import Matcher, MatchOp, SelectorError, parse_selector, parse_selectors


def pairs(selector):
    return [(m.name, m.op.value, m.value) for m in selector.matchers]


def test_a_bare_metric_name_is_an_equality_matcher_on_name():
    assert pairs(parse_selector("node_load1")) == [("__name__", "=", "node_load1")]


def test_all_four_operators_are_parsed():
    selector = parse_selector('up{job="node", env!="dev", instance=~"web-.*", mode!~"idle|iowait"}')

    assert pairs(selector) == [
        ("__name__", "=", "up"),
        ("job", "=", "node"),
        ("env", "!=", "dev"),
        ("instance", "=~", "web-.*"),
        ("mode", "!~", "idle|iowait"),
    ]


def test_label_matchers_alone_and_a_trailing_comma_and_spaces_are_allowed():
    selector = parse_selector(' { __name__ =~ "node_.*" , job = "node" , } ')

    assert pairs(selector) == [("__name__", "=~", "node_.*"), ("job", "=", "node")]


def test_escapes_in_double_and_single_quoted_values_are_decoded():
    selector = parse_selector(r'x{a="say \"hi\"\n", b=' + r"'it\'s \\ \x41\u00e9\101'}")

    assert selector.matchers[1].value == 'say "hi"\n'
    assert selector.matchers[2].value == "it's \\ A\u00e9A"


def test_backtick_values_are_raw():
    selector = parse_selector(r"x{path=~`C:\\temp\d+`}")

    assert selector.matchers[1].value == r"C:\\temp\d+"


def test_regex_matchers_are_anchored_at_both_ends():
    matcher = parse_selector('up{instance=~"web-.*"}').matchers[1]

    assert matcher.matches("web-01")
    assert not matcher.matches("old-web-01")
    assert not parse_selector('up{job=~"no"}').matchers[1].matches("node")
    assert matcher.anchored_pattern() == "^(?:web-.*)$"


def test_alternatives_are_anchored_as_a_whole():
    matcher = Matcher("job", MatchOp.REGEX, "api|web")

    assert matcher.matches("api") and matcher.matches("web")
    assert not matcher.matches("webserver")
    assert not matcher.matches("my-api")


def test_inline_flags_stay_in_front_of_the_anchor():
    matcher = Matcher("job", MatchOp.REGEX, "(?i)web")

    assert matcher.matches("WEB")
    assert matcher.anchored_pattern() == "(?i)^(?:web)$"


def test_negative_operators_invert_the_match():
    assert Matcher("env", MatchOp.NOT_EQUAL, "dev").matches("prod")
    assert not Matcher("env", MatchOp.NOT_EQUAL, "dev").matches("dev")
    assert Matcher("env", MatchOp.NOT_REGEX, "d.*").matches("prod")
    assert not Matcher("env", MatchOp.NOT_REGEX, "d.*").matches("dev")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("up{", "Expected '}'"),
        ('up{job="node"', "Expected '}'"),
        ("up{job=node}", "Expected a quoted string at position 8"),
        ('up{job=="x"}', "Expected a quoted string"),
        ('up{job~"x"}', "Expected one of the operators"),
        ('up{1job="x"}', "Expected a label name"),
        ('up{a:b="x"}', "Invalid label name 'a:b'"),
        ('up{job="x" env="y"}', "Expected ',' or '}'"),
        ('up{job="x}', "Unterminated string"),
        (r'up{job="\q"}', "Unknown escape sequence \\q"),
        (r'up{job="\x4"}', "Invalid escape"),
        ('up{job=~"("}', "Invalid regular expression '('"),
        ("up}", "Unexpected '}'"),
        ("", "empty"),
        ('{job=~".*"}', "would match every series"),
        ('{job=""}', "would match every series"),
    ],
)
def test_bad_selectors_are_refused_with_a_message_naming_the_problem(text, message):
    with pytest.raises(SelectorError) as refused:
        parse_selector(text)

    assert message in str(refused.value)
    assert refused.value.field == "match"


def test_a_selector_with_one_non_empty_matcher_is_accepted():
    assert parse_selector('{job=~".*", env="prod"}').metric is None


def test_several_selectors_are_parsed_and_at_least_one_is_needed():
    assert len(parse_selectors(["up", 'node_load1{job="node"}'])) == 2
    with pytest.raises(SelectorError, match="at least one selector"):
        parse_selectors([])


def test_a_selector_renders_back_to_equivalent_text():
    selector = parse_selector(r'up{job="no\"de",instance=~"web-.*"}')

    assert parse_selector(str(selector)) == selector
