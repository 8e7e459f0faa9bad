"""Satisfaction ratings: the caller rates a resolved or closed ticket once, 1 to 5; the API
shows the rating to agents and takes it from the caller."""

import pytest
from django.core.exceptions import PermissionDenied

from itops.errors import Conflict, DomainError
from servicedesk import selectors, services
from servicedesk.models import SatisfactionRating
from tests.factories.servicedesk import make_incident, make_problem, make_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def resolved(requester, agent, service_desk_team):
    ticket = make_incident(caller=requester)
    services.start_ticket(ticket=ticket, by=agent)
    return services.resolve_ticket(
        ticket=ticket, resolution_code="solved_permanently", resolution_notes="Fixed.", by=agent
    )


def test_the_caller_rates_a_resolved_ticket(resolved, requester):
    rating = services.rate_resolution(ticket=resolved, rating=4, comment=" Quick! ", by=requester)

    assert (rating.rating, rating.comment, rating.rated_by) == (4, "Quick!", requester)
    assert selectors.ticket_satisfaction(resolved) == rating
    assert not selectors.can_rate(ticket=resolved, user=requester)


def test_a_closed_ticket_can_be_rated_too(resolved, requester):
    closed = services.close_ticket(ticket=resolved, by=requester)
    assert selectors.can_rate(ticket=closed, user=requester)
    services.rate_resolution(ticket=closed, rating=5, by=requester)
    assert SatisfactionRating.objects.get(ticket=closed).rating == 5


def test_a_second_rating_is_refused_and_the_first_kept(resolved, requester):
    services.rate_resolution(ticket=resolved, rating=2, by=requester)

    with pytest.raises(Conflict) as refused:
        services.rate_resolution(ticket=resolved, rating=5, by=requester)

    assert refused.value.code == "already_rated"
    assert SatisfactionRating.objects.get(ticket=resolved).rating == 2


@pytest.mark.parametrize("who", ["other_requester", "agent"])
def test_only_the_caller_rates(resolved, request, who):
    person = request.getfixturevalue(who)
    assert not selectors.can_rate(ticket=resolved, user=person)
    with pytest.raises(PermissionDenied):
        services.rate_resolution(ticket=resolved, rating=5, by=person)
    assert not SatisfactionRating.objects.exists()


def test_an_open_ticket_cannot_be_rated_yet(requester):
    ticket = make_incident(caller=requester)
    assert not selectors.can_rate(ticket=ticket, user=requester)
    with pytest.raises(Conflict):
        services.rate_resolution(ticket=ticket, rating=5, by=requester)


def test_a_cancelled_request_has_no_resolution_to_rate(requester, agent, service_desk_team):
    request = services.cancel_ticket(ticket=make_request(caller=requester), by=agent)
    with pytest.raises(Conflict):
        services.rate_resolution(ticket=request, rating=1, by=requester)


def test_problems_are_not_rated(agent):
    problem = make_problem(by=agent)
    with pytest.raises(PermissionDenied):  # a problem has no caller
        services.rate_resolution(ticket=problem, rating=3, by=agent)


@pytest.mark.parametrize("value", [0, 6, -1, True, "4", 3.5])
def test_the_rating_is_a_whole_number_from_one_to_five(resolved, requester, value):
    with pytest.raises(DomainError) as refused:
        services.rate_resolution(ticket=resolved, rating=value, by=requester)
    assert refused.value.field == "rating"
    assert not SatisfactionRating.objects.exists()


def test_the_rating_is_on_the_timeline_for_the_caller_and_the_desk(resolved, requester, agent):
    services.rate_resolution(ticket=resolved, rating=3, comment="Took a while", by=requester)

    for person in (requester, agent):
        entries = [
            e
            for e in selectors.ticket_timeline(ticket=resolved, user=person)
            if e.kind == "satisfaction"
        ]
        assert [e.title for e in entries] == ["Rated the resolution 3 out of 5"]
        assert "Took a while" in entries[0].body_html


# --- API ------------------------------------------------------------------------------------------


def test_the_caller_rates_through_the_api_and_agents_read_it(resolved, requester, agent, api_for):
    response = api_for(requester).post(
        f"/api/v1/incidents/{resolved.number}/rate/",
        {"rating": 4, "comment": "Thanks"},
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["satisfaction"]["rating"] == 4
    seen = api_for(agent).get(f"/api/v1/incidents/{resolved.number}/").json()
    assert seen["satisfaction"]["rating"] == 4
    assert seen["satisfaction"]["comment"] == "Thanks"
    assert seen["satisfaction"]["rated_by"]["username"] == requester.username


def test_the_api_refuses_a_second_rating_with_409(resolved, requester, api_for):
    client = api_for(requester)
    client.post(f"/api/v1/incidents/{resolved.number}/rate/", {"rating": 4}, format="json")

    response = client.post(
        f"/api/v1/incidents/{resolved.number}/rate/", {"rating": 1}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "already_rated"


def test_the_api_refuses_a_bad_rating_naming_the_field(resolved, requester, api_for):
    response = api_for(requester).post(
        f"/api/v1/incidents/{resolved.number}/rate/", {"rating": 9}, format="json"
    )
    assert response.status_code == 400
    assert "rating" in response.json()


def test_the_api_hides_other_peoples_tickets_from_raters(resolved, other_requester, api_for):
    response = api_for(other_requester).post(
        f"/api/v1/incidents/{resolved.number}/rate/", {"rating": 5}, format="json"
    )
    assert response.status_code == 404


def test_the_satisfaction_field_is_empty_before_a_rating(resolved, agent, api_for):
    body = api_for(agent).get(f"/api/v1/incidents/{resolved.pk}/").json()
    assert body["satisfaction"] is None


def test_requests_are_rated_through_the_api_too(requester, agent, service_desk_team, api_for):
    request = make_request(caller=requester)
    services.start_ticket(ticket=request, by=agent)
    services.resolve_ticket(
        ticket=request, resolution_code="fulfilled", resolution_notes="Done.", by=agent
    )

    response = api_for(requester).post(
        f"/api/v1/requests/{request.number}/rate/", {"rating": 5}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["satisfaction"]["rating"] == 5


def test_problems_have_no_rate_action(agent, api_for):
    problem = make_problem(by=agent)
    response = api_for(agent).post(f"/api/v1/problems/{problem.pk}/rate/", {"rating": 5})
    assert response.status_code == 404
