"""Ticket lists stay cheap at scale: a capped count, a bounded number of queries per page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicedesk.api.pagination import CappedCountPaginator
from tests.factories.servicedesk import make_incident

pytestmark = pytest.mark.django_db


def test_the_count_stops_at_the_cap_and_says_so(agent, api_for, monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "count_cap", 2)
    for _ in range(3):
        make_incident(caller=agent)
    client = api_for(agent)
    first = client.get("/api/v1/incidents/", {"page_size": 1}).json()
    assert (first["count"], first["count_exact"], len(first["results"])) == (2, False, 1)
    assert first["next"].endswith("page=2&page_size=1")
    assert client.get("/api/v1/incidents/", {"page_size": 1, "page": 2}).status_code == 200
    assert client.get("/api/v1/incidents/", {"page_size": 1, "page": 3}).status_code == 404
    monkeypatch.setattr(CappedCountPaginator, "count_cap", 10)
    exact = client.get("/api/v1/incidents/").json()
    assert (exact["count"], exact["count_exact"]) == (3, True)


def test_the_count_is_never_a_count_of_the_whole_table(agent, api_for):
    make_incident(caller=agent)
    with CaptureQueriesContext(connection) as queries:
        assert api_for(agent).get("/api/v1/incidents/").status_code == 200
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counts and all("LIMIT" in sql.upper() for sql in counts)


def test_a_list_page_costs_the_same_queries_for_two_tickets_or_twenty(agent, api_for):
    client = api_for(agent)

    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/v1/incidents/").status_code == 200
        return len(queries.captured_queries)

    for _ in range(2):
        make_incident(caller=agent, by=agent)
    few = queries_for_list()
    for _ in range(18):
        make_incident(caller=agent, by=agent)
    assert queries_for_list() == few


def test_list_rows_are_exactly_what_the_ticket_serializer_gives(agent, requester):
    import json

    from rest_framework.renderers import JSONRenderer

    from servicedesk import selectors, services
    from servicedesk.api.rows import ticket_rows
    from servicedesk.api.serializers import TicketSerializer
    from tests.factories import make_team
    from tests.factories.servicedesk import (
        make_affected_ci,
        make_catalog_item,
        make_category,
        make_problem,
        make_request,
    )

    team = make_team("Desk", members=[agent])
    top = make_category("Hardware")
    sub = make_category("Laptop", parent=top)
    problem = make_problem(by=agent)
    parent = make_incident(caller=requester)
    make_incident(
        caller=requester,
        by=agent,
        impact=1,
        urgency=2,
        category=top,
        subcategory=sub,
        configuration_item=make_affected_ci("web-01"),
        business_service=make_affected_ci("Shop", is_service=True),
        assignment_group=team,
        assignee=agent,
        is_major_incident=True,
        parent=parent,
        problem=problem,
        description="Down since *9:00*",
    )
    done = make_incident(caller=requester)
    services.resolve_ticket(
        ticket=done, resolution_code="duplicate", resolution_notes="Same as above", by=agent
    )
    make_request(
        caller=requester, catalog_item=make_catalog_item(name="Mouse"), answers={"hand": "left"}
    )
    tickets = list(selectors.ticket_list(user=agent))
    assert len(tickets) == 5

    def as_json(data):
        return json.loads(JSONRenderer().render(data))

    assert as_json(ticket_rows(tickets)) == as_json(TicketSerializer(tickets, many=True).data)
