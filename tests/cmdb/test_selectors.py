import pytest

from cmdb import selectors
from tests.factories.cmdb import make_ci, make_service, needs, relate

pytestmark = pytest.mark.django_db


def names(queryset):
    return sorted(ci.name for ci in queryset)


def test_upstream_is_everything_that_needs_the_ci_transitively_and_downstream_the_reverse():
    switch, server, app, other = (make_ci(n) for n in ("switch", "server", "app", "other"))
    relate(server, "connects_to", switch)
    relate(app, "runs_on", server)
    needs(other, app)

    assert names(selectors.upstream(switch)) == ["app", "other", "server"]
    assert names(selectors.upstream(app)) == ["other"]
    assert names(selectors.downstream(other)) == ["app", "server", "switch"]
    assert names(selectors.downstream(switch)) == []


def test_part_of_means_the_whole_needs_its_part():
    node, cluster, app = make_ci("mq-node"), make_ci("mq-cluster"), make_ci("app")
    relate(node, "part_of", cluster)
    needs(app, cluster)

    assert names(selectors.upstream(node)) == ["app", "mq-cluster"]
    assert names(selectors.downstream(app)) == ["mq-cluster", "mq-node"]
    assert names(selectors.upstream(cluster)) == ["app"]


def test_traversal_through_a_cycle_terminates_and_finds_each_ci_once_without_the_start():
    a, b, c, d = (make_ci(n) for n in "abcd")
    needs(a, b)
    needs(b, c)
    needs(c, a)  # a -> b -> c -> a
    needs(d, a)

    assert names(selectors.upstream(a)) == ["b", "c", "d"]
    assert names(selectors.downstream(a)) == ["b", "c"]
    assert names(selectors.downstream(d)) == ["a", "b", "c"]
    assert selectors.upstream(a).count() == 3


def test_a_ci_with_no_relationships_impacts_nothing():
    lonely = make_ci("lonely")
    make_ci("unrelated")

    assert list(selectors.upstream(lonely)) == []
    assert list(selectors.impacted_services(lonely)) == []


def test_impacted_services_are_the_services_upstream_plus_the_ci_itself_when_it_is_one():
    db = make_ci("db")
    shop, payments, portal = make_service("Shop"), make_service("Payments"), make_service("Portal")
    api = make_ci("api")
    needs(api, db)
    needs(payments, api)
    needs(shop, payments)

    assert names(selectors.impacted_services(db)) == ["Payments", "Shop"]
    assert names(selectors.impacted_services(payments)) == ["Payments", "Shop"]
    assert names(selectors.impacted_services(portal)) == ["Portal"]


def test_service_dependencies_are_everything_the_service_needs():
    shop = make_service("Shop")
    web, db, host = make_ci("web"), make_ci("db"), make_ci("host")
    needs(shop, web)
    needs(web, db)
    relate(db, "runs_on", host)

    assert names(selectors.service_dependencies(shop)) == ["db", "host", "web"]


def test_dependency_tree_expands_a_shared_dependency_once_and_marks_its_other_mentions():
    shop = make_service("Shop")
    web, api, db = make_ci("web"), make_ci("api"), make_ci("db")
    needs(shop, web, api)
    needs(web, db)
    needs(api, db)
    needs(db, shop)  # a cycle back to the service

    tree = selectors.dependency_tree(shop)

    assert [child.ci.name for child in tree.children] == ["api", "web"]
    api_node, web_node = tree.children
    assert [(n.ci.name, n.expanded_elsewhere) for n in api_node.children] == [("db", False)]
    assert [(n.ci.name, n.expanded_elsewhere) for n in web_node.children] == [("db", True)]
    assert web_node.children[0].children == []
    back_to_shop = api_node.children[0].children
    assert [(n.ci.name, n.expanded_elsewhere) for n in back_to_shop] == [("Shop", True)]


def test_graph_puts_dependents_above_and_dependencies_below_with_the_edges_between_them():
    switch, server, app, service = (make_ci(n) for n in ("switch", "server", "app", "svc"))
    relate(server, "connects_to", switch)
    relate(app, "runs_on", server)
    needs(service, app)

    graph = selectors.ci_graph(server, depth=1)
    levels = {node["label"]: node["level"] for node in graph["nodes"]}
    assert levels == {"app": -1, "server": 0, "switch": 1}
    assert {(e["source"], e["type"], e["target"]) for e in graph["edges"]} == {
        (str(server.pk), "connects_to", str(switch.pk)),
        (str(app.pk), "runs_on", str(server.pk)),
    }

    deeper = selectors.ci_graph(server, depth=2, direction="up")
    assert {node["label"]: node["level"] for node in deeper["nodes"]} == {
        "svc": -2,
        "app": -1,
        "server": 0,
    }


def test_end_users_and_people_without_a_role_see_no_cis(requester, outsider, agent):
    make_ci("web-01")

    assert list(selectors.visible_cis(user=requester)) == []
    assert list(selectors.visible_cis(user=outsider)) == []
    assert names(selectors.visible_cis(user=agent)) == ["web-01"]


def test_ci_list_filters_searches_and_sorts(agent):
    make_ci("web-01", environment="production", criticality=1, description="Shop frontend")
    make_ci("web-02", environment="staging", criticality=3)
    make_ci("db-01", environment="production", criticality=2)

    assert names(selectors.ci_list(user=agent, filters={"environment": "production"})) == [
        "db-01",
        "web-01",
    ]
    assert names(selectors.ci_list(user=agent, filters={"search": "shop"})) == ["web-01"]
    ordered = selectors.ci_list(user=agent, filters={"ordering": "-criticality"})
    assert [ci.name for ci in ordered] == ["web-02", "db-01", "web-01"]
