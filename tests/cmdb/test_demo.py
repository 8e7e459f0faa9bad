import pytest

from cmdb import selectors
from cmdb.demo import DEMO_SERVICES, seed_estate
from cmdb.models import ConfigurationItem, Relationship
from itops.demo import seed_people

pytestmark = pytest.mark.django_db


@pytest.fixture
def estate():
    seed_people()
    seed_estate()


def test_a_core_switch_failure_reaches_all_four_business_services(estate):
    core = ConfigurationItem.objects.get(name="ams-core-01")

    impacted = selectors.impacted_services(core)

    assert sorted(s.name for s in impacted) == sorted(DEMO_SERVICES)
    assert selectors.service_list(user=_staff()).count() == 4


def test_the_estate_is_realistic_about_sixty_cis_with_owners_sites_and_monitoring(estate):
    cis = ConfigurationItem.objects.select_related("ci_class", "owner_team")

    assert 55 <= cis.count() <= 70
    assert {ci.owner_team.slug for ci in cis if ci.owner_team} >= {
        "network",
        "platform-ops",
        "database",
    }
    assert cis.get(name="web-01").monitoring_address == "web-01:9100"
    assert {ci.location.name for ci in cis if ci.location} == {"AMS1 Amsterdam", "FRA1 Frankfurt"}
    classes = {ci.ci_class.slug for ci in cis}
    assert classes >= {
        "network-device",
        "firewall",
        "load-balancer",
        "server",
        "hypervisor",
        "virtual-machine",
        "database",
        "message-queue",
        "application",
        "business-service",
        "storage",
        "container",
    }
    assert cis.get(name="payments-db-replica").attributes["role"] == "replica"


def test_a_database_failure_only_reaches_the_services_built_on_it(estate):
    portal_db = ConfigurationItem.objects.get(name="portal-db")

    assert [s.name for s in selectors.impacted_services(portal_db)] == ["Employee Portal"]


def test_seeding_twice_leaves_the_same_data(estate):
    before = (ConfigurationItem.objects.count(), Relationship.objects.count())

    seed_estate()

    assert (ConfigurationItem.objects.count(), Relationship.objects.count()) == before


def _staff():
    from itops.models import User

    return User.objects.get(username="agent")
