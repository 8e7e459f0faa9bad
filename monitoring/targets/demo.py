"""Demo collection: check templates for the CMDB's standard classes, and targets on the platform
itself, so a fresh `make run` collects real data within seconds."""

from django.conf import settings

from cmdb.models import CIClass
from monitoring.targets.choices import TargetKind
from monitoring.targets.discovery import sync_targets_from_cmdb
from monitoring.targets.models import CheckTemplate, Target
from monitoring.targets.schedule import first_run_at

# class slug, class name (if the class is missing), template name, kind, scheme, port, path,
# interval, expected status
TEMPLATES = [
    ("server", "Server", "node", TargetKind.SCRAPE, "http", 9100, "/metrics", 30, None),
    ("hypervisor", "Hypervisor", "node", TargetKind.SCRAPE, "http", 9100, "/metrics", 30, None),
    ("virtual-machine", "Virtual machine", "node", TargetKind.SCRAPE, "http", 9100, "/metrics", 30, None),
    ("load-balancer", "Load balancer", "health", TargetKind.HTTP, "http", 80, "/", 30, 200),
    ("application", "Application", "health", TargetKind.HTTP, "https", 443, "/healthz", 60, 200),
]  # fmt: skip


def _platform_targets() -> list[dict]:
    base = f"http://127.0.0.1:{settings.PORT}"
    return [
        {
            "name": "itops platform metrics",
            "kind": TargetKind.SCRAPE,
            "address": f"{base}/metrics",
            "job": "itops",
            "interval_seconds": 15,
            "timeout_seconds": 5,
        },
        {
            "name": "itops health endpoint",
            "kind": TargetKind.HTTP,
            "address": f"{base}/healthz",
            "job": "itops-health",
            "interval_seconds": 30,
            "timeout_seconds": 5,
            "expected_status": 200,
            "body_match": '"status": "ok"',
        },
        {
            "name": "itops web port",
            "kind": TargetKind.TCP,
            "address": f"127.0.0.1:{settings.PORT}",
            "job": "itops-tcp",
            "interval_seconds": 30,
            "timeout_seconds": 3,
        },
    ]


def seed_targets(stdout=None) -> None:
    templates = 0
    for slug, class_name, name, kind, scheme, port, path, interval, status in TEMPLATES:
        ci_class, _ = CIClass.objects.get_or_create(slug=slug, defaults={"name": class_name})
        CheckTemplate.objects.update_or_create(
            ci_class=ci_class,
            name=name,
            defaults={
                "kind": kind,
                "scheme": scheme,
                "port": port,
                "path": path,
                "interval_seconds": interval,
                "timeout_seconds": 5,
                "expected_status": status,
            },
        )
        templates += 1
    for fields in _platform_targets():
        name = fields.pop("name")
        Target.objects.get_or_create(name=name, defaults={**fields, "next_run_at": first_run_at()})
    result = sync_targets_from_cmdb()
    if stdout:
        stdout.write(
            f"  collection: {templates} check templates, {Target.objects.count()} targets "
            f"(CMDB discovery: {result.summary()})"
        )
