"""An ops engineer adds a scrape target, runs it, and sees it healthy."""

import http.server
import threading

import pytest
from playwright.sync_api import expect

from monitoring.models import Series, Target
from tests.factories.monitoring import make_target

EXPOSITION = b"""# TYPE shop_orders_total counter
shop_orders_total{status="paid"} 1289
shop_orders_total{status="refunded"} 12
# TYPE shop_queue_depth gauge
shop_queue_depth 4
"""


class ExporterHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(EXPOSITION)))
        self.end_headers()
        self.wfile.write(EXPOSITION)

    def log_message(self, *args):
        pass


@pytest.fixture
def role_groups(transactional_db):
    """The role groups come from a data migration, and a transactional test that ran before
    this one emptied the database: make them again before the personas are made."""
    from django.contrib.auth.models import Group

    from itops.choices import Role
    from itops.roles import group_name

    for role in Role:
        Group.objects.get_or_create(name=group_name(role))


def test_an_ops_engineer_adds_a_target_runs_it_and_sees_its_health(
    role_groups, page, login, live_server_url, ops_engineer, screenshot
):
    exporter = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ExporterHandler)
    threading.Thread(target=exporter.serve_forever, daemon=True).start()
    make_target("payments db", address="http://127.0.0.1:9/metrics", health="down",
                last_error="connection failed: [Errno 111] Connection refused")  # fmt: skip
    try:
        login(ops_engineer)
        page.goto(f"{live_server_url}/ops/targets/")
        page.get_by_role("link", name="Add target").click()

        page.get_by_label("Name").fill("shop exporter")
        page.get_by_label("Kind").select_option("scrape")
        page.get_by_label("Address").fill(f"http://127.0.0.1:{exporter.server_port}/metrics")
        page.get_by_label("Job").fill("shop")
        page.get_by_label("Labels").fill("env=demo")
        page.get_by_role("button", name="Add target").click()

        expect(page.get_by_text("Target shop exporter added")).to_be_visible()
        page.get_by_role("button", name="Run now").click()
        expect(page.get_by_test_id("health")).to_have_text("Up")
        expect(page.get_by_test_id("samples")).to_have_text("3")

        page.get_by_role("link", name="Targets").first.click()
        row = page.get_by_test_id("target-row").filter(has_text="shop exporter")
        expect(row.get_by_test_id("health")).to_have_text("Up")
        dead = page.get_by_test_id("target-row").filter(has_text="payments db")
        expect(dead).to_contain_text("Connection refused")
        expect(dead).to_contain_text("never")
        dead.get_by_role("button", name="Run now").click()
        expect(dead).not_to_contain_text("never")
        expect(dead.get_by_test_id("health")).to_have_text("Down")
        page.mouse.move(0, 0)
        screenshot("ops-targets")
    finally:
        exporter.shutdown()
        exporter.server_close()

    target = Target.objects.get(name="shop exporter")
    assert target.labels == {"env": "demo"}
    paid = Series.objects.get(metric="shop_orders_total", labels__status="paid")
    assert paid.labels["job"] == "shop" and paid.labels["env"] == "demo"
