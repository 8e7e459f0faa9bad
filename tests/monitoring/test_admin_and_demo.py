import pytest

from monitoring.demo import seed_link_rules
from monitoring.ingest import SeriesSamples, labels_of, write_samples
from monitoring.models import Series, SeriesLinkRule
from tests.factories.monitoring import make_ci, now_ms

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    from itops.models import User

    return User.objects.create_superuser("root", "root@example.com", "correct-horse-battery")


def test_demo_link_rules_are_seeded_once_and_link_instance_labels():
    seed_link_rules()
    seed_link_rules()
    web = make_ci("web-01")

    write_samples(
        [SeriesSamples(labels_of("up", {"instance": "web-01:9100"}), [(now_ms(), 1.0)])],
        source="test",
    )

    assert SeriesLinkRule.objects.count() == 3
    assert Series.objects.get().ci == web


def test_an_admin_edits_link_rules_and_relinks_existing_series(client, superuser):
    write_samples(
        [SeriesSamples(labels_of("up", {"node": "db-01"}), [(now_ms(), 1.0)])], source="test"
    )
    db = make_ci("db-01")
    client.force_login(superuser)

    response = client.post(
        "/admin/monitoring/serieslinkrule/add/",
        {"label": "node", "pattern": "^(.*)$", "priority": 5, "enabled": "on", "description": ""},
    )
    assert response.status_code == 302
    client.post(
        "/admin/monitoring/serieslinkrule/",
        {"action": "relink_all_series", "_selected_action": [SeriesLinkRule.objects.get().pk]},
    )

    assert Series.objects.get().ci == db


def test_a_link_rule_without_capture_group_is_refused_in_the_admin(client, superuser):
    client.force_login(superuser)

    response = client.post(
        "/admin/monitoring/serieslinkrule/add/",
        {"label": "node", "pattern": "^db-.*$", "priority": 5, "enabled": "on"},
    )

    assert response.status_code == 200
    assert "capture group" in response.content.decode()
    assert not SeriesLinkRule.objects.exists()
