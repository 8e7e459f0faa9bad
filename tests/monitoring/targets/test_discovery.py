"""Targets discovered from the CMDB through check templates."""

import pytest

from cmdb.models import ConfigurationItem
from monitoring.models import CheckTemplate, Target
from monitoring.targets.discovery import address_for, sync_targets_from_cmdb
from tests.factories.cmdb import make_ci_class
from tests.factories.monitoring import make_ci, make_target


@pytest.fixture
def load_balancer_class(db):
    return make_ci_class("load-balancer", name="Load balancer")


@pytest.fixture
def node_template(db):
    server = make_ci_class("server", name="Server")
    return CheckTemplate.objects.create(
        name="node", ci_class=server, kind="scrape", port=9100, path="/metrics", interval_seconds=30
    )


@pytest.fixture
def lb_template(load_balancer_class):
    return CheckTemplate.objects.create(
        name="health", ci_class=load_balancer_class, kind="http", port=8080, path="/health",
        expected_status=200,
    )  # fmt: skip


def test_servers_become_scrape_targets_and_load_balancers_http_checks(
    node_template, lb_template, load_balancer_class
):
    web = make_ci("web-01", monitoring_address="web-01")
    db01 = make_ci("db-01", monitoring_address="db-01:9187")
    ConfigurationItem.objects.create(
        name="lb-01", ci_class=load_balancer_class, monitoring_address="lb-01"
    )

    result = sync_targets_from_cmdb()

    assert result.created == 3
    scrape = Target.objects.get(ci=web)
    assert (scrape.name, scrape.kind, scrape.address) == (
        "web-01 node",
        "scrape",
        "http://web-01:9100/metrics",
    )
    assert (scrape.source, scrape.template) == ("cmdb", node_template)
    assert Target.objects.get(ci=db01).address == "http://db-01:9187/metrics"
    check = Target.objects.get(name="lb-01 health")
    assert (check.kind, check.address, check.expected_status) == (
        "http",
        "http://lb-01:8080/health",
        200,
    )


def test_a_second_sync_changes_nothing(node_template):
    make_ci("web-01", monitoring_address="web-01")
    sync_targets_from_cmdb()

    again = sync_targets_from_cmdb()

    assert (again.created, again.updated, again.removed) == (0, 0, 0)
    assert Target.objects.count() == 1


def test_cis_without_an_address_or_retired_are_not_monitored(node_template):
    make_ci("web-01", monitoring_address="")
    make_ci("web-00", monitoring_address="web-00", status="retired")

    assert sync_targets_from_cmdb().created == 0


def test_a_hand_made_target_for_the_same_address_is_neither_duplicated_nor_changed(node_template):
    make_ci("web-01", monitoring_address="web-01")
    mine = make_target(
        "my web-01", address="http://web-01:9100/metrics", interval_seconds=10, timeout_seconds=5
    )

    result = sync_targets_from_cmdb()

    assert (result.created, result.skipped) == (0, 1)
    mine.refresh_from_db()
    assert (Target.objects.count(), mine.interval_seconds, mine.source) == (1, 10, "manual")


def test_template_changes_reach_discovered_targets_but_not_their_enabled_flag(node_template):
    make_ci("web-01", monitoring_address="web-01")
    sync_targets_from_cmdb()
    Target.objects.update(enabled=False)
    node_template.interval_seconds = 60
    node_template.save()

    assert sync_targets_from_cmdb().updated == 1

    target = Target.objects.get()
    assert (target.interval_seconds, target.enabled) == (60, False)


def test_a_retired_ci_loses_its_discovered_target(node_template):
    web = make_ci("web-01", monitoring_address="web-01")
    sync_targets_from_cmdb()
    web.status = "retired"
    web.save()

    assert sync_targets_from_cmdb().removed == 1
    assert not Target.objects.exists()


@pytest.mark.parametrize(
    ("address", "kind", "expected"),
    [
        ("web-01", "scrape", "http://web-01:9100/metrics"),
        ("web-01:9200", "scrape", "http://web-01:9200/metrics"),
        ("http://web-01:9100", "scrape", "http://web-01:9100/metrics"),
        ("https://shop.example.com/healthz", "http", "https://shop.example.com/healthz"),
        ("https://shop.example.com:8443/healthz", "tcp", "shop.example.com:8443"),
        ("https://shop.example.com/healthz", "tcp", "shop.example.com:9100"),
        ("mail-01:25", "tcp", "mail-01:25"),
        ("[2001:db8::1]:9100", "scrape", "http://[2001:db8::1]:9100/metrics"),
    ],
)
def test_ci_addresses_and_templates_make_target_addresses(address, kind, expected):
    template = CheckTemplate(kind=kind, scheme="http", port=9100, path="/metrics")

    assert address_for(address, template) == expected
