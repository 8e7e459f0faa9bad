import pytest
from auditlog.models import LogEntry

from cmdb import selectors, services
from cmdb.models import CIClass, ConfigurationItem, Relationship
from itops.errors import Conflict, DomainError
from tests.factories.cmdb import SERVER_SCHEMA, make_ci, make_ci_class, relate

pytestmark = pytest.mark.django_db


@pytest.fixture
def server_class():
    return make_ci_class("test-server", attribute_schema=SERVER_SCHEMA)


def test_standard_classes_exist_with_their_schemas_after_migrating():
    server = CIClass.objects.get(slug="server")
    database = CIClass.objects.get(slug="database")
    services_ = CIClass.objects.filter(is_service=True).values_list("slug", flat=True)

    assert server.attribute_schema["properties"]["cpu_cores"] == {"type": "integer", "minimum": 1}
    assert "postgresql" in database.attribute_schema["properties"]["engine"]["enum"]
    assert list(services_) == ["business-service"]
    for slug in (
        "virtual-machine",
        "container",
        "network-device",
        "load-balancer",
        "firewall",
        "storage",
        "application",
    ):
        assert CIClass.objects.filter(slug=slug).exists(), slug


def test_a_ci_with_attributes_that_fit_the_schema_is_created_and_audited(
    server_class, ops_engineer
):
    ci = services.create_ci(
        by=ops_engineer,
        name="web-01",
        ci_class=server_class,
        attributes={"cpu_cores": 8, "memory_gb": 31.5, "os": "Debian 12"},
    )

    entry = LogEntry.objects.get_for_object(ci).get()
    assert entry.action == LogEntry.Action.CREATE
    assert entry.actor == ops_engineer


@pytest.mark.parametrize(
    ("attributes", "named", "reason"),
    [
        ({"cpu_cores": 0}, "cpu_cores", "less than the minimum of 1"),
        ({"cpu_cores": "eight"}, "cpu_cores", "is not of type 'integer'"),
        ({"os": 12}, "os", "is not of type 'string'"),
        ({"gpu": "A100"}, "gpu", "is not an attribute of class"),
    ],
)
def test_attributes_that_break_the_class_schema_are_refused_naming_the_attribute(
    server_class, attributes, named, reason
):
    with pytest.raises(DomainError) as error:
        services.create_ci(by=None, name="web-01", ci_class=server_class, attributes=attributes)

    assert error.value.field == f"attributes.{named}"
    assert f"'{named}'" in error.value.message
    assert reason in error.value.message
    assert not ConfigurationItem.objects.filter(name="web-01").exists()


def test_a_missing_required_attribute_is_named():
    database = CIClass.objects.get(slug="database")

    with pytest.raises(DomainError) as error:
        services.create_ci(by=None, name="db", ci_class=database, attributes={"version": "16"})

    assert error.value.field == "attributes.engine"
    assert "'engine' is required" in error.value.message


def test_changing_the_class_checks_the_attributes_against_the_new_schema(server_class):
    ci = make_ci("thing", attributes={"colour": "red"})

    with pytest.raises(DomainError) as error:
        services.update_ci(ci=ci, by=None, ci_class=server_class)

    assert "'colour'" in error.value.message
    ci.refresh_from_db()
    assert ci.ci_class.slug == "test-thing"


def test_update_records_old_and_new_and_an_unchanged_save_records_nothing(ops_engineer):
    ci = make_ci("web-01", environment="staging")

    services.update_ci(ci=ci, by=ops_engineer, environment="production")
    services.update_ci(ci=ci, by=ops_engineer, environment="production")

    updates = LogEntry.objects.get_for_object(ci).filter(action=LogEntry.Action.UPDATE)
    assert [entry.changes_dict for entry in updates] == [{"environment": ["staging", "production"]}]


def test_a_second_ci_with_the_same_name_is_refused():
    make_ci("web-01")

    with pytest.raises(DomainError) as error:
        make_ci("web-01")

    assert error.value.field == "name"
    assert error.value.code == "duplicate"


def test_a_bad_environment_is_refused_naming_the_field():
    with pytest.raises(DomainError) as error:
        make_ci("web-01", environment="prod")

    assert error.value.field == "environment"


def test_retiring_keeps_relationships_and_cannot_happen_twice(ops_engineer):
    app, host = make_ci("app"), make_ci("host")
    relate(app, "runs_on", host)

    services.retire_ci(ci=host, by=ops_engineer)

    assert host.status == "retired"
    assert Relationship.objects.filter(source=app, target=host).exists()
    with pytest.raises(Conflict):
        services.retire_ci(ci=host, by=ops_engineer)


def test_a_ci_cannot_be_related_to_itself():
    ci = make_ci("web-01")

    with pytest.raises(DomainError) as error:
        relate(ci, "depends_on", ci)

    assert error.value.field == "target"
    assert "itself" in error.value.message


def test_the_same_relationship_twice_is_refused_with_both_names():
    app, db = make_ci("app"), make_ci("db")
    relate(app, "depends_on", db)

    with pytest.raises(DomainError) as error:
        relate(app, "depends_on", db)

    assert error.value.code == "duplicate"
    assert error.value.message == "app already depends on db."
    assert Relationship.objects.count() == 1
    relate(app, "connects_to", db)  # another type is another relationship


def test_an_unknown_relationship_type_or_a_retired_ci_is_refused():
    app, db = make_ci("app"), make_ci("db", status="retired")

    with pytest.raises(DomainError) as unknown:
        relate(app, "loves", make_ci("x"))
    with pytest.raises(DomainError) as retired:
        relate(app, "depends_on", db)

    assert unknown.value.field == "type"
    assert retired.value.field == "target"
    assert "retired" in retired.value.message


def test_relationship_changes_appear_in_the_history_of_both_cis(ops_engineer):
    app, db = make_ci("app"), make_ci("db")
    relationship = services.add_relationship(
        source=app, target=db, type="depends_on", by=ops_engineer
    )
    services.remove_relationship(relationship=relationship, by=ops_engineer)

    for ci in (app, db):
        entries = selectors.relationship_history(ci)
        assert [entry.action for entry in entries] == [
            LogEntry.Action.DELETE,
            LogEntry.Action.CREATE,
        ]
        assert all(entry.actor == ops_engineer for entry in entries)


def test_a_schema_change_that_would_invalidate_existing_cis_is_refused(server_class):
    make_ci("web-01", ci_class=server_class, attributes={"cpu_cores": 2})
    stricter = {
        **SERVER_SCHEMA,
        "properties": {
            **SERVER_SCHEMA["properties"],
            "cpu_cores": {"type": "integer", "minimum": 4},
        },
    }

    with pytest.raises(Conflict) as error:
        services.update_ci_class(ci_class=server_class, by=None, attribute_schema=stricter)

    assert "web-01" in error.value.message
    server_class.refresh_from_db()
    assert server_class.attribute_schema == SERVER_SCHEMA


def test_an_invalid_json_schema_is_refused():
    with pytest.raises(DomainError) as error:
        services.create_ci_class(
            by=None, slug="odd", name="Odd", attribute_schema={"type": "no-such-type"}
        )

    assert error.value.field == "attribute_schema"


def test_a_class_in_use_cannot_be_deleted(server_class):
    make_ci("web-01", ci_class=server_class)

    with pytest.raises(Conflict):
        services.delete_ci_class(ci_class=server_class, by=None)
