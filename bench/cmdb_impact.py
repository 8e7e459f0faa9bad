"""Benchmark: impact queries on a CMDB of 10,000 CIs and 50,000 relationships.

Builds a layered estate (core, distribution and access switches, storage, servers, VMs,
databases, message queues, applications, business services) in a throwaway database created
and dropped like a test database (PostgreSQL when DATABASE_URL points at one, else SQLite under
var/), then times `upstream()` of a core switch and `impacted_services()` of CIs at each layer.
Prints median and p95 in ms; the target is < 100 ms. Always exits 0.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/itops .venv/bin/python bench/cmdb_impact.py
"""

import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "itops.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402

CIS = 10_000
RELATIONSHIPS = 50_000
REPEATS = 25
TARGET_MS = 100
# layer, class slug, count
LAYERS = [
    ("core", "network-device", 4),
    ("dist", "network-device", 40),
    ("access", "network-device", 400),
    ("storage", "storage", 56),
    ("server", "server", 1_500),
    ("vm", "virtual-machine", 4_000),
    ("db", "database", 500),
    ("mq", "message-queue", 100),
    ("app", "application", 3_000),
    ("service", "business-service", 400),
]


def build_estate(rng: random.Random) -> dict[str, list[int]]:
    from cmdb.models import CIClass, ConfigurationItem, Relationship

    classes = {ci_class.slug: ci_class for ci_class in CIClass.objects.all()}
    rows = [
        ConfigurationItem(name=f"{layer}-{number:05}", ci_class=classes[slug])
        for layer, slug, count in LAYERS
        for number in range(count)
    ]
    assert len(rows) == CIS
    ConfigurationItem.objects.bulk_create(rows, batch_size=2_000)
    ids: dict[str, list[int]] = {layer: [] for layer, _slug, _count in LAYERS}
    for pk, name in ConfigurationItem.objects.values_list("pk", "name"):
        ids[name.split("-", 1)[0]].append(pk)
    for members in ids.values():
        members.sort()

    edges: set[tuple[int, int, str]] = set()

    def link(source, targets, type="depends_on"):
        for target in targets:
            if source != target:
                edges.add((source, target, type))

    def pick(layer, k):
        return rng.sample(ids[layer], k)

    for core in ids["core"]:  # a full mesh: every core needs every other (cycles)
        link(core, ids["core"], "connects_to")
    for switch in ids["dist"]:
        link(switch, pick("core", 2), "connects_to")
    for switch in ids["access"]:
        link(switch, pick("dist", 2), "connects_to")
    for array in ids["storage"]:
        link(array, pick("access", 2), "connects_to")
    for server in ids["server"]:
        link(server, pick("access", 2), "connects_to")
        link(server, pick("storage", 1))
    for vm in ids["vm"]:
        link(vm, pick("server", 1), "runs_on")
        link(vm, pick("storage", 1))
    for index, db in enumerate(ids["db"]):
        link(db, pick("vm", 1), "runs_on")
        if index % 2:  # replicas need their primary
            link(db, [ids["db"][index - 1]])
    clusters = ids["mq"][:20]
    for node in ids["mq"][20:]:
        link(node, pick("vm", 1), "runs_on")
        link(node, [rng.choice(clusters)], "part_of")
    # Applications and services come in business domains: an app needs other apps of its own
    # domain, a service the apps of its domain (and sometimes another service).
    domain_size = 100
    domains = [
        ids["app"][start : start + domain_size] for start in range(0, len(ids["app"]), domain_size)
    ]
    for index, app in enumerate(ids["app"]):
        link(app, pick("vm", 2), "runs_on")
        link(app, pick("db", 2))
        link(app, [rng.choice(clusters)])
        earlier = domains[index // domain_size][: index % domain_size]
        link(app, rng.sample(earlier, min(len(earlier), 3)))
    for index, service in enumerate(ids["service"]):
        link(service, rng.sample(domains[index % len(domains)], 8))
        if index:
            link(service, [rng.choice(ids["service"][:index])])
    while len(edges) < RELATIONSHIPS:  # the rest: app -> app in a domain, some back (cycles)
        source, target = rng.sample(rng.choice(domains), 2)
        link(source, [target])
    edges = set(sorted(edges)[:RELATIONSHIPS]) if len(edges) > RELATIONSHIPS else edges

    Relationship.objects.bulk_create(
        [Relationship(source_id=s, target_id=t, type=type) for s, t, type in edges],
        batch_size=5_000,
    )
    return ids


def timed(function, repeats: int = REPEATS) -> tuple[list[float], object]:
    result = function()  # warm-up
    function()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return samples, result


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def main() -> int:
    from cmdb import selectors
    from cmdb.models import ConfigurationItem, Relationship

    engine = "PostgreSQL" if settings.USING_POSTGRES else "SQLite"
    test_name = (
        f"itops_bench_cmdb_{os.getpid()}"
        if settings.USING_POSTGRES
        else str(settings.VAR_DIR / f"bench-cmdb-{os.getpid()}.sqlite3")
    )
    connection.settings_dict["TEST"] = {
        **connection.settings_dict.get("TEST", {}),
        "NAME": test_name,
    }
    print(f"cmdb impact benchmark on {engine}: creating a throwaway database {test_name} ...")
    old_config = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    try:
        started = time.perf_counter()
        ids = build_estate(random.Random(42))
        built = time.perf_counter() - started
        print(
            f"built {ConfigurationItem.objects.count():,} CIs and "
            f"{Relationship.objects.count():,} relationships in {built:.1f} s"
        )
        # What autovacuum does after a bulk load: statistics, and the visibility map that lets
        # the traversal read the (dependency_id, dependent_id) index alone.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if settings.USING_POSTGRES else "ANALYZE")

        core = ConfigurationItem.objects.get(pk=ids["core"][0])
        cases = [
            (
                "upstream(core switch), all ids",
                lambda: list(selectors.upstream(core).values_list("pk", flat=True)),
            )
        ]
        for layer in ("core", "dist", "access", "server", "vm", "db", "app"):
            ci = ConfigurationItem.objects.get(pk=ids[layer][len(ids[layer]) // 2])
            cases.append(
                (
                    f"impacted_services({layer} {ci.name})",
                    lambda ci=ci: list(selectors.impacted_services(ci)),
                )
            )
        service = ConfigurationItem.objects.get(pk=ids["service"][-1])
        cases.append(
            (
                f"service_dependencies({service.name})",
                lambda: list(selectors.service_dependencies(service).values_list("pk", flat=True)),
            )
        )

        print(f"\n{'query':<46} {'rows':>6} {'median ms':>10} {'p95 ms':>8}")
        worst = 0.0
        for label, function in cases:
            samples, result = timed(function)
            worst = max(worst, p95(samples))
            print(
                f"{label:<46} {len(result):>6} {statistics.median(samples):>10.1f} "
                f"{p95(samples):>8.1f}"
            )
        verdict = "met" if worst < TARGET_MS else "NOT met"
        print(f"\nworst p95: {worst:.1f} ms; target < {TARGET_MS} ms: {verdict}")
        load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
        print(f"load average during the run: {load} on {os.cpu_count()} CPUs")
    finally:
        teardown_databases(old_config, verbosity=0)
        print(f"dropped {test_name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
