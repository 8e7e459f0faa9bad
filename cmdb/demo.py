"""Demo estate: two data centres, their network, hosts, databases, applications and four
business services, wired so that a failure of the Amsterdam core switch reaches all four."""

from cmdb import services
from cmdb.choices import CIStatus, Environment, LocationKind
from cmdb.models import CIClass, ConfigurationItem, Location, Relationship
from cmdb.standard_classes import STANDARD_CLASSES
from itops.models import Team

DEMO_SERVICES = ["Online Shop", "Payments", "Employee Portal", "Email"]

LOCATIONS = [
    # name, kind, parent
    ("Europe", LocationKind.REGION, None),
    ("AMS1 Amsterdam", LocationKind.SITE, "Europe"),
    ("FRA1 Frankfurt", LocationKind.SITE, "Europe"),
]
AMS, FRA = "AMS1 Amsterdam", "FRA1 Frankfurt"

_SERVER = {"cpu_cores": 32, "memory_gb": 256, "os": "Debian 12", "vendor": "Dell"}
_HYPERVISOR = {"cpu_cores": 64, "memory_gb": 512, "platform": "kvm", "version": "8.2"}
_VM = {"vcpus": 4, "memory_gb": 16, "os": "Debian 12"}


def _switch(kind: str) -> dict:
    return {"device_type": kind, "vendor": "Arista", "model": "7050X3", "ports": 48}


# name, class slug, location, owner team slug, criticality, monitoring address, attributes, extra
CIS = [
    # network core, distribution and access (Amsterdam)
    ("ams-core-01", "network-device", AMS, "network", 1, "ams-core-01", _switch("core-switch"), {}),
    ("ams-dist-01", "network-device", AMS, "network", 1, "ams-dist-01", _switch("distribution-switch"), {}),
    ("ams-dist-02", "network-device", AMS, "network", 1, "ams-dist-02", _switch("distribution-switch"), {}),
    ("ams-acc-01", "network-device", AMS, "network", 2, "ams-acc-01", _switch("access-switch"), {}),
    ("ams-acc-02", "network-device", AMS, "network", 2, "ams-acc-02", _switch("access-switch"), {}),
    ("ams-edge-01", "network-device", AMS, "network", 1, "ams-edge-01", {"device_type": "router", "vendor": "Juniper", "model": "MX204"}, {}),
    ("ams-fw-01", "firewall", AMS, "network", 1, "ams-fw-01", {"vendor": "Palo Alto", "model": "PA-3410"}, {}),
    ("ams-lb-01", "load-balancer", AMS, "network", 1, "ams-lb-01:9101", {"vendor": "HAProxy", "virtual_ip": "203.0.113.10"}, {}),
    ("ams-lb-02", "load-balancer", AMS, "network", 2, "ams-lb-02:9101", {"vendor": "HAProxy", "virtual_ip": "203.0.113.11"}, {}),
    # network (Frankfurt)
    ("fra-core-01", "network-device", FRA, "network", 1, "fra-core-01", _switch("core-switch"), {}),
    ("fra-dist-01", "network-device", FRA, "network", 2, "fra-dist-01", _switch("distribution-switch"), {}),
    ("fra-acc-01", "network-device", FRA, "network", 2, "fra-acc-01", _switch("access-switch"), {}),
    ("fra-fw-01", "firewall", FRA, "network", 2, "fra-fw-01", {"vendor": "Palo Alto", "model": "PA-3410"}, {}),
    ("fra-lb-01", "load-balancer", FRA, "network", 2, "fra-lb-01:9101", {"vendor": "HAProxy", "virtual_ip": "198.51.100.10"}, {}),
    # storage
    ("ams-san-01", "storage", AMS, "platform-ops", 1, "ams-san-01", {"capacity_tb": 240, "protocol": "iscsi", "vendor": "NetApp"}, {}),
    ("fra-nas-01", "storage", FRA, "platform-ops", 2, "fra-nas-01", {"capacity_tb": 120, "protocol": "nfs", "vendor": "Synology"}, {}),
    # hypervisors and physical servers
    ("ams-hv-01", "hypervisor", AMS, "platform-ops", 1, "ams-hv-01:9100", _HYPERVISOR, {}),
    ("ams-hv-02", "hypervisor", AMS, "platform-ops", 1, "ams-hv-02:9100", _HYPERVISOR, {}),
    ("fra-hv-01", "hypervisor", FRA, "platform-ops", 2, "fra-hv-01:9100", _HYPERVISOR, {}),
    ("web-01", "server", AMS, "platform-ops", 2, "web-01:9100", _SERVER, {}),
    ("web-02", "server", AMS, "platform-ops", 2, "web-02:9100", _SERVER, {}),
    ("web-03", "server", FRA, "platform-ops", 3, "web-03:9100", _SERVER, {}),
    ("db-01", "server", AMS, "database", 1, "db-01:9100", _SERVER | {"memory_gb": 512}, {}),
    ("db-02", "server", AMS, "database", 1, "db-02:9100", _SERVER | {"memory_gb": 512}, {}),
    ("db-03", "server", FRA, "database", 2, "db-03:9100", _SERVER | {"memory_gb": 512}, {}),
    ("web-00", "server", AMS, "platform-ops", 4, "", _SERVER | {"os": "Debian 10"}, {"status": CIStatus.RETIRED}),
    # virtual machines
    ("app-01", "virtual-machine", AMS, "platform-ops", 2, "app-01:9100", _VM, {}),
    ("app-02", "virtual-machine", AMS, "platform-ops", 2, "app-02:9100", _VM, {}),
    ("app-03", "virtual-machine", FRA, "platform-ops", 2, "app-03:9100", _VM, {}),
    ("mq-01", "virtual-machine", AMS, "platform-ops", 2, "mq-01:9100", _VM, {}),
    ("mq-02", "virtual-machine", AMS, "platform-ops", 2, "mq-02:9100", _VM, {}),
    ("mail-01", "virtual-machine", AMS, "platform-ops", 2, "mail-01:9100", _VM, {}),
    ("mail-02", "virtual-machine", FRA, "platform-ops", 3, "mail-02:9100", _VM, {}),
    ("portal-01", "virtual-machine", AMS, "platform-ops", 3, "portal-01:9100", _VM, {}),
    ("dir-01", "virtual-machine", AMS, "platform-ops", 2, "dir-01:9100", _VM, {}),
    ("mon-01", "virtual-machine", AMS, "platform-ops", 2, "mon-01:9100", _VM | {"memory_gb": 32}, {}),
    ("app-stg-01", "virtual-machine", AMS, "platform-ops", 4, "app-stg-01:9100", _VM, {"environment": Environment.STAGING}),
    # databases and message queue
    ("shop-db-primary", "database", AMS, "database", 1, "db-01:9187", {"engine": "postgresql", "version": "16.4", "role": "primary", "port": 5432}, {}),
    ("shop-db-replica", "database", AMS, "database", 2, "db-02:9187", {"engine": "postgresql", "version": "16.4", "role": "replica", "port": 5432}, {}),
    ("payments-db-primary", "database", AMS, "database", 1, "db-02:9188", {"engine": "postgresql", "version": "16.4", "role": "primary", "port": 5433}, {}),
    ("payments-db-replica", "database", FRA, "database", 2, "db-03:9187", {"engine": "postgresql", "version": "16.4", "role": "replica", "port": 5432}, {}),
    ("portal-db", "database", AMS, "database", 3, "db-01:9104", {"engine": "mariadb", "version": "10.11", "role": "standalone", "port": 3306}, {}),
    ("session-cache", "database", AMS, "platform-ops", 2, "app-02:9121", {"engine": "redis", "version": "7.2", "role": "standalone", "port": 6379}, {}),
    ("rabbitmq-01", "message-queue", AMS, "platform-ops", 2, "mq-01:15692", {"engine": "rabbitmq", "version": "3.13"}, {}),
    ("rabbitmq-02", "message-queue", AMS, "platform-ops", 2, "mq-02:15692", {"engine": "rabbitmq", "version": "3.13"}, {}),
    ("rabbitmq-cluster", "message-queue", AMS, "platform-ops", 1, "", {"engine": "rabbitmq", "version": "3.13"}, {}),
    # applications and containers
    ("shop-frontend", "application", AMS, "platform-ops", 1, "https://shop.example.com/healthz", {"version": "4.12.0", "language": "TypeScript"}, {}),
    ("shop-api", "application", AMS, "platform-ops", 1, "http://app-01:8080/healthz", {"version": "2.31.4", "language": "Python"}, {}),
    ("shop-api-staging", "application", AMS, "platform-ops", 4, "http://app-stg-01:8080/healthz", {"version": "2.32.0-rc1", "language": "Python"}, {"environment": Environment.STAGING}),
    ("payments-api", "application", AMS, "platform-ops", 1, "http://app-02:8081/healthz", {"version": "5.4.1", "language": "Java"}, {}),
    ("payments-gateway", "application", AMS, "platform-ops", 1, "http://app-02:8082/healthz", {"version": "1.9.0", "language": "Go"}, {}),
    ("payments-worker-1", "container", FRA, "platform-ops", 2, "", {"image": "registry.example.com/payments-worker:5.4.1", "orchestrator": "docker"}, {}),
    ("payments-worker-2", "container", FRA, "platform-ops", 2, "", {"image": "registry.example.com/payments-worker:5.4.1", "orchestrator": "docker"}, {}),
    ("portal-app", "application", AMS, "platform-ops", 3, "https://portal.example.com/healthz", {"version": "3.2.0", "language": "Python"}, {}),
    ("sso", "application", AMS, "platform-ops", 1, "https://sso.example.com/health", {"version": "24.0", "language": "Java"}, {}),
    ("mail-relay", "application", AMS, "platform-ops", 2, "mail-01:25", {"version": "3.8", "language": "C"}, {}),
    ("mailbox-store", "application", AMS, "platform-ops", 2, "mail-01:993", {"version": "2.3", "language": "C"}, {}),
    ("spam-filter", "application", FRA, "platform-ops", 3, "mail-02:11334", {"version": "3.8"}, {}),
    ("prometheus", "application", AMS, "platform-ops", 2, "http://mon-01:9090/-/healthy", {"version": "2.53", "language": "Go"}, {}),
    # business services
    ("Online Shop", "business-service", None, "platform-ops", 1, "https://shop.example.com/", {"service_owner": "Head of E-commerce", "support_hours": "24x7", "customer_facing": True}, {}),
    ("Payments", "business-service", None, "platform-ops", 1, "https://pay.example.com/status", {"service_owner": "Head of Finance IT", "support_hours": "24x7", "customer_facing": True}, {}),
    ("Employee Portal", "business-service", None, "service-desk", 3, "https://portal.example.com/", {"service_owner": "HR Director", "support_hours": "business-hours", "customer_facing": False}, {}),
    ("Email", "business-service", None, "service-desk", 2, "", {"service_owner": "IT Operations Manager", "support_hours": "24x7", "customer_facing": False}, {}),
]  # fmt: skip

# source, type, target (see RelationshipType: for part_of the target needs the source)
RELATIONSHIPS = [
    ("ams-dist-01", "connects_to", "ams-core-01"),
    ("ams-dist-02", "connects_to", "ams-core-01"),
    ("ams-acc-01", "connects_to", "ams-dist-01"),
    ("ams-acc-02", "connects_to", "ams-dist-02"),
    ("ams-fw-01", "connects_to", "ams-core-01"),
    ("ams-fw-01", "connects_to", "ams-edge-01"),
    ("ams-lb-01", "connects_to", "ams-dist-01"),
    ("ams-lb-02", "connects_to", "ams-dist-02"),
    # the inter-site link: each core needs the other (a cycle the impact queries must survive)
    ("ams-core-01", "connects_to", "fra-core-01"),
    ("fra-core-01", "connects_to", "ams-core-01"),
    ("fra-dist-01", "connects_to", "fra-core-01"),
    ("fra-acc-01", "connects_to", "fra-dist-01"),
    ("fra-fw-01", "connects_to", "fra-core-01"),
    ("fra-lb-01", "connects_to", "fra-dist-01"),
    ("ams-san-01", "connects_to", "ams-dist-02"),
    ("fra-nas-01", "connects_to", "fra-dist-01"),
    ("ams-hv-01", "connects_to", "ams-acc-01"),
    ("ams-hv-01", "depends_on", "ams-san-01"),
    ("ams-hv-02", "connects_to", "ams-acc-02"),
    ("ams-hv-02", "depends_on", "ams-san-01"),
    ("fra-hv-01", "connects_to", "fra-acc-01"),
    ("fra-hv-01", "depends_on", "fra-nas-01"),
    ("web-01", "connects_to", "ams-acc-01"),
    ("web-02", "connects_to", "ams-acc-02"),
    ("web-03", "connects_to", "fra-acc-01"),
    ("db-01", "connects_to", "ams-acc-01"),
    ("db-02", "connects_to", "ams-acc-02"),
    ("db-03", "connects_to", "fra-acc-01"),
    ("app-01", "runs_on", "ams-hv-01"),
    ("app-02", "runs_on", "ams-hv-02"),
    ("app-03", "runs_on", "fra-hv-01"),
    ("mq-01", "runs_on", "ams-hv-01"),
    ("mq-02", "runs_on", "ams-hv-02"),
    ("mail-01", "runs_on", "ams-hv-01"),
    ("mail-02", "runs_on", "fra-hv-01"),
    ("portal-01", "runs_on", "ams-hv-02"),
    ("dir-01", "runs_on", "ams-hv-01"),
    ("mon-01", "runs_on", "ams-hv-02"),
    ("app-stg-01", "runs_on", "ams-hv-02"),
    ("shop-db-primary", "runs_on", "db-01"),
    ("shop-db-replica", "runs_on", "db-02"),
    ("shop-db-replica", "depends_on", "shop-db-primary"),
    ("payments-db-primary", "runs_on", "db-02"),
    ("payments-db-replica", "runs_on", "db-03"),
    ("payments-db-replica", "depends_on", "payments-db-primary"),
    ("portal-db", "runs_on", "db-01"),
    ("session-cache", "runs_on", "app-02"),
    ("rabbitmq-01", "runs_on", "mq-01"),
    ("rabbitmq-02", "runs_on", "mq-02"),
    ("rabbitmq-01", "part_of", "rabbitmq-cluster"),
    ("rabbitmq-02", "part_of", "rabbitmq-cluster"),
    ("shop-frontend", "runs_on", "web-01"),
    ("shop-frontend", "runs_on", "web-02"),
    ("shop-frontend", "runs_on", "web-03"),
    ("shop-frontend", "depends_on", "ams-lb-01"),
    ("shop-frontend", "depends_on", "shop-api"),
    ("shop-api", "runs_on", "app-01"),
    ("shop-api", "depends_on", "shop-db-primary"),
    ("shop-api", "depends_on", "session-cache"),
    ("shop-api", "depends_on", "rabbitmq-cluster"),
    ("shop-api-staging", "runs_on", "app-stg-01"),
    ("payments-api", "runs_on", "app-02"),
    ("payments-api", "runs_on", "app-03"),
    ("payments-api", "depends_on", "payments-db-primary"),
    ("payments-api", "depends_on", "rabbitmq-cluster"),
    ("payments-api", "depends_on", "ams-lb-02"),
    ("payments-worker-1", "runs_on", "app-03"),
    ("payments-worker-2", "runs_on", "app-03"),
    ("payments-worker-1", "part_of", "payments-api"),
    ("payments-worker-2", "part_of", "payments-api"),
    ("payments-gateway", "runs_on", "app-02"),
    ("payments-gateway", "depends_on", "ams-fw-01"),
    ("portal-app", "runs_on", "portal-01"),
    ("portal-app", "depends_on", "portal-db"),
    ("portal-app", "depends_on", "sso"),
    ("sso", "runs_on", "dir-01"),
    ("mail-relay", "runs_on", "mail-01"),
    ("mail-relay", "runs_on", "mail-02"),
    ("mail-relay", "depends_on", "ams-fw-01"),
    ("mailbox-store", "runs_on", "mail-01"),
    ("mailbox-store", "depends_on", "ams-san-01"),
    ("spam-filter", "runs_on", "mail-02"),
    ("prometheus", "runs_on", "mon-01"),
    ("Online Shop", "depends_on", "shop-frontend"),
    ("Online Shop", "depends_on", "shop-api"),
    ("Online Shop", "depends_on", "Payments"),
    ("Payments", "depends_on", "payments-api"),
    ("Payments", "depends_on", "payments-gateway"),
    ("Employee Portal", "depends_on", "portal-app"),
    ("Employee Portal", "depends_on", "sso"),
    ("Email", "depends_on", "mail-relay"),
    ("Email", "depends_on", "mailbox-store"),
    ("Email", "depends_on", "spam-filter"),
]


def ensure_standard_classes() -> dict[str, CIClass]:
    """The standard classes, created if missing (an admin's changes to them are kept)."""
    classes = {}
    for definition in STANDARD_CLASSES:
        fields = {key: value for key, value in definition.items() if key != "slug"}
        classes[definition["slug"]], _ = CIClass.objects.get_or_create(
            slug=definition["slug"], defaults=fields
        )
    return classes


def seed_estate(stdout=None) -> None:
    """Create the demo estate; CIs and relationships that exist already are left as they are."""
    classes = ensure_standard_classes()
    locations = {}
    for name, kind, parent in LOCATIONS:
        location = Location.objects.filter(name=name).first()
        if location is None:
            location = services.create_location(
                by=None, name=name, kind=kind, parent=locations.get(parent)
            )
        locations[name] = location
    teams = {team.slug: team for team in Team.objects.all()}

    cis = {ci.name: ci for ci in ConfigurationItem.objects.filter(name__in=[c[0] for c in CIS])}
    for name, slug, location, team, criticality, address, attributes, extra in CIS:
        if name in cis:
            continue
        cis[name] = services.create_ci(
            by=None,
            name=name,
            ci_class=classes[slug],
            location=locations.get(location),
            owner_team=teams.get(team),
            criticality=criticality,
            monitoring_address=address,
            attributes=dict(attributes),
            **extra,
        )

    added = 0
    for source, type, target in RELATIONSHIPS:
        exists = Relationship.objects.filter(
            source=cis[source], target=cis[target], type=type
        ).exists()
        if not exists:
            services.add_relationship(source=cis[source], target=cis[target], type=type, by=None)
            added += 1
    if stdout:
        stdout.write(
            f"  cmdb: {len(cis)} CIs, {len(DEMO_SERVICES)} business services, "
            f"{added} new relationships"
        )
