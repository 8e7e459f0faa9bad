"""The demo seeder and the beat schedule of collection."""

from django.conf import settings

from itops.celery import app
from monitoring.models import CheckTemplate, Target
from monitoring.targets.demo import seed_targets
from tests.factories.monitoring import make_ci


def test_the_demo_seeds_templates_platform_targets_and_cmdb_targets_idempotently(db):
    make_ci("web-01", monitoring_address="web-01:9100")

    seed_targets()
    first = sorted(Target.objects.values_list("name", "kind", "address"))
    seed_targets()

    assert sorted(Target.objects.values_list("name", "kind", "address")) == first
    assert CheckTemplate.objects.filter(ci_class__slug="server", kind="scrape").exists()
    assert (
        "itops platform metrics",
        "scrape",
        f"http://127.0.0.1:{settings.PORT}/metrics",
    ) in first
    assert ("web-01 node", "scrape", "http://web-01:9100/metrics") in first


def test_beat_runs_the_dispatcher_and_the_cmdb_sync_and_the_worker_knows_the_tasks():
    schedule = settings.CELERY_BEAT_SCHEDULE

    dispatch = schedule["collect-dispatch-due-targets"]
    assert dispatch["schedule"] == settings.ITOPS_COLLECT_DISPATCH_SECONDS
    assert schedule["collect-sync-cmdb-targets"]["task"] in app.tasks
    assert dispatch["task"] in app.tasks
    assert "monitoring.tasks.collect_target_task" in app.tasks
    route = app.amqp.router.route({}, "monitoring.tasks.collect_target_task")
    assert route["queue"].name == "collect"
