import pytest
from playwright.sync_api import expect

from cmdb.demo import seed_estate
from cmdb.models import ConfigurationItem
from itops.demo import seed_people


@pytest.fixture
def estate():
    seed_people()
    seed_estate()


def test_an_agent_finds_a_host_in_the_list_and_sees_its_relationship_graph_drawn(
    page, login, live_server_url, agent, screenshot, estate
):
    hypervisor = ConfigurationItem.objects.get(name="ams-hv-01")
    neighbours = {"app-01", "mq-01", "mail-01", "dir-01", "ams-acc-01", "ams-san-01"}
    login(agent)

    page.goto(f"{live_server_url}/cmdb/")
    expect(page.get_by_test_id("ci-count")).to_contain_text("63 CIs")
    screenshot("cmdb-ci-list")
    page.get_by_label("Class").select_option("hypervisor")
    expect(page.get_by_test_id("ci-count")).to_have_text("3 CIs")
    expect(page).to_have_url(
        f"{live_server_url}/cmdb/?search=&ci_class=hypervisor&environment=&status=&criticality=&owner_team=&ordering="
    )
    page.get_by_role("link", name="ams-hv-01", exact=True).click()

    graph = page.get_by_test_id("ci-graph")
    expect(graph).to_have_attribute("data-rendered", "true")
    expect(graph.locator("canvas").first).to_be_visible()
    assert graph.get_attribute("data-node-count") == str(len(neighbours) + 1)
    drawn = set(
        page.evaluate(
            "document.getElementById('ci-graph').itopsGraph.nodes().map(n => n.data('label'))"
        )
    )
    assert drawn == neighbours | {"ams-hv-01"}
    listed = page.get_by_test_id("ci-graph-list").locator("li")
    expect(listed).to_have_count(len(neighbours) + 1)
    expect(page.get_by_test_id("impacted-services")).to_contain_text("Online Shop")
    expect(page.get_by_test_id("impacted-services")).to_contain_text("Email")
    expect(page.get_by_role("link", name="Edit")).to_have_count(0)
    screenshot("cmdb-ci-detail")
    assert page.url.endswith(f"/cmdb/cis/{hypervisor.pk}/")

    page.get_by_role("button", name="2 steps").click()
    expect(graph).to_have_attribute("data-rendered", "true")
    two_steps = set(graph.get_attribute("data-nodes").splitlines())
    assert two_steps > neighbours | {"ams-hv-01"}
    assert {"shop-api", "ams-dist-01", "sso"} <= two_steps


def test_an_ops_engineer_adds_a_relationship_and_the_graph_shows_it(
    page, login, live_server_url, ops_engineer, screenshot, estate
):
    web = ConfigurationItem.objects.get(name="web-03")
    login(ops_engineer)

    page.goto(f"{live_server_url}/cmdb/cis/{web.pk}/")
    expect(page.get_by_test_id("ci-graph")).to_have_attribute("data-rendered", "true")
    page.get_by_label("Relation", exact=True).select_option("depends_on:out")
    page.get_by_label("Other CI").fill("fra-nas-01")
    page.get_by_role("button", name="Add relationship").click()

    expect(page.get_by_role("alert")).to_contain_text("Added: web-03 depends on fra-nas-01.")
    graph = page.get_by_test_id("ci-graph")
    expect(graph).to_have_attribute("data-rendered", "true")
    assert "fra-nas-01" in graph.get_attribute("data-nodes").splitlines()


def test_the_business_service_page_shows_its_dependency_tree_and_graph(
    page, login, live_server_url, agent, screenshot, estate
):
    email = ConfigurationItem.objects.get(name="Email")
    login(agent)

    page.goto(f"{live_server_url}/cmdb/services/{email.pk}/")

    tree = page.get_by_test_id("dependency-tree")
    expect(tree).to_contain_text("mail-relay")
    expect(tree).to_contain_text("ams-core-01")
    expect(page.get_by_test_id("ci-graph")).to_have_attribute("data-rendered", "true")
    screenshot("cmdb-service-detail")


def test_an_ops_engineer_uploads_a_bad_file_and_sees_each_bad_row(
    page, login, live_server_url, ops_engineer, screenshot, estate, tmp_path
):
    upload = tmp_path / "servers.csv"
    upload.write_text(
        "name,class,environment,owner_team,attr.cpu_cores,connects_to\n"
        "web-10,server,production,platform-ops,16,ams-acc-01\n"
        "web-11,serverx,production,platform-ops,16,ams-acc-01\n"
        "web-12,server,prod,platform-ops,0,ams-acc-09\n"
    )
    login(ops_engineer)

    page.goto(f"{live_server_url}/cmdb/import/")
    page.get_by_label("File").set_input_files(upload)
    page.get_by_role("button", name="Import").click()

    expect(page.get_by_role("alert")).to_contain_text("2 bad rows: nothing was imported.")
    problems = page.get_by_test_id("import-problems")
    expect(problems.locator("tbody tr")).to_have_count(2)
    expect(problems).to_contain_text("unknown class 'serverx'")
    expect(problems).to_contain_text("unknown environment 'prod'")
    screenshot("cmdb-import")
    assert not ConfigurationItem.objects.filter(name="web-10").exists()
