import pytest

from servicedesk.knowledge.choices import ArticleAudience, ArticleState
from servicedesk.models.knowledge import Article
from tests.factories.knowledge import make_article, make_category

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf():
    vpn = make_category("VPN")
    public = make_article(
        "VPN connection drops", body="Reconnect the VPN client.", categories=[vpn], tags=["vpn"]
    )
    internal = make_article(
        "VPN gateway failover runbook",
        body="Fail the VPN gateway over.",
        audience=ArticleAudience.STAFF,
        categories=[vpn],
        related=[public],
    )
    draft = make_article("VPN on Linux", body="Install the VPN.", state=ArticleState.DRAFT)
    return {"public": public, "internal": internal, "draft": draft, "vpn": vpn}


def titles(response) -> list[str]:
    return sorted(item["title"] for item in response.json()["results"])


# --- reading ------------------------------------------------------------------------------------


def test_the_api_needs_a_sign_in(client, shelf):
    assert client.get("/api/v1/articles/").status_code in (401, 403)


def test_end_users_list_only_published_articles_for_everyone(requester, api_for, shelf):
    response = api_for(requester).get("/api/v1/articles/")

    assert response.status_code == 200
    assert titles(response) == ["VPN connection drops"]


def test_asking_for_drafts_or_internal_articles_does_not_widen_an_end_users_view(
    requester, api_for, shelf
):
    client = api_for(requester)

    assert titles(client.get("/api/v1/articles/", {"state": "draft"})) == []
    assert titles(client.get("/api/v1/articles/", {"audience": "staff"})) == []


@pytest.mark.parametrize("kind", ["internal", "draft"])
def test_internal_and_draft_articles_are_not_found_by_end_users(requester, api_for, shelf, kind):
    client = api_for(requester)
    article = shelf[kind]

    assert client.get(f"/api/v1/articles/{article.pk}/").status_code == 404
    vote = client.post(f"/api/v1/articles/{article.pk}/vote/", {"helpful": True}, format="json")
    assert vote.status_code == 404


def test_a_search_answers_ranked_results_with_a_highlighted_snippet(requester, api_for, shelf):
    response = api_for(requester).get("/api/v1/articles/", {"q": "reconnect"})

    [hit] = response.json()["results"]
    assert hit["title"] == "VPN connection drops"
    assert "<mark>" in hit["snippet"].lower()


def test_end_users_search_never_returns_internal_or_draft_articles(requester, api_for, shelf):
    response = api_for(requester).get("/api/v1/articles/", {"q": "vpn"})

    assert titles(response) == ["VPN connection drops"]


def test_staff_list_every_article_and_filter_by_state(agent, api_for, shelf):
    client = api_for(agent)

    assert len(client.get("/api/v1/articles/").json()["results"]) == 3
    assert titles(client.get("/api/v1/articles/", {"state": "draft"})) == ["VPN on Linux"]


def test_an_article_reads_with_rendered_body_votes_and_only_readable_related_articles(
    requester, api_for, shelf
):
    response = api_for(requester).get(f"/api/v1/articles/{shelf['public'].pk}/")

    body = response.json()
    assert body["body_html"] == "<p>Reconnect the VPN client.</p>"
    assert body["number"] == f"KB{shelf['public'].pk:07d}"
    assert body["categories"] == [{"id": shelf["vpn"].pk, "name": "VPN", "slug": "vpn"}]
    assert body["tags"] == ["vpn"]
    assert body["related"] == []  # the related runbook is internal
    assert body["allowed_transitions"] == []
    assert (body["helpful_votes"], body["unhelpful_votes"]) == (0, 0)


def test_filtering_by_category_and_tag(requester, api_for, shelf):
    client = api_for(requester)

    assert titles(client.get("/api/v1/articles/", {"category": "vpn"})) == ["VPN connection drops"]
    assert titles(client.get("/api/v1/articles/", {"tag": "VPN"})) == ["VPN connection drops"]


# --- suggestions --------------------------------------------------------------------------------


def test_suggestions_for_a_partial_short_description(requester, api_for, shelf):
    response = api_for(requester).get("/api/v1/articles/suggest/", {"q": "my vpn keeps drop"})

    assert response.status_code == 200
    [suggestion] = response.json()["results"]
    assert suggestion["title"] == "VPN connection drops"
    assert suggestion["url"] == shelf["public"].get_absolute_url()


def test_suggestions_for_too_little_text_are_empty(requester, api_for, shelf):
    response = api_for(requester).get("/api/v1/articles/suggest/", {"q": "vp"})

    assert response.json() == {"results": []}


def test_a_suggestion_limit_out_of_bounds_is_a_400(requester, api_for, shelf):
    response = api_for(requester).get("/api/v1/articles/suggest/", {"q": "vpn", "limit": 500})

    assert response.status_code == 400
    assert "limit" in response.json()


# --- votes --------------------------------------------------------------------------------------


def test_each_person_votes_once_and_may_change_it(requester, other_requester, api_for, shelf):
    url = f"/api/v1/articles/{shelf['public'].pk}/vote/"
    api_for(other_requester).post(url, {"helpful": True}, format="json")
    api_for(requester).post(url, {"helpful": True}, format="json")

    response = api_for(requester).post(url, {"helpful": False}, format="json")

    assert response.json() == {"helpful": 1, "not_helpful": 1, "mine": False}


def test_a_vote_without_an_answer_is_a_400(requester, api_for, shelf):
    response = api_for(requester).post(
        f"/api/v1/articles/{shelf['public'].pk}/vote/", {}, format="json"
    )

    assert response.status_code == 400


def test_a_read_only_token_cannot_vote(requester, token_api_for, shelf):
    response = token_api_for(requester, "read").post(
        f"/api/v1/articles/{shelf['public'].pk}/vote/", {"helpful": True}, format="json"
    )

    assert response.status_code == 403


# --- writing ------------------------------------------------------------------------------------


def test_end_users_cannot_write_or_move_articles(requester, api_for, shelf):
    client = api_for(requester)

    created = client.post("/api/v1/articles/", {"title": "Mine"}, format="json")
    edited = client.patch(
        f"/api/v1/articles/{shelf['public'].pk}/", {"title": "Hacked"}, format="json"
    )
    retired = client.post(
        f"/api/v1/articles/{shelf['public'].pk}/transition/", {"state": "retired"}, format="json"
    )
    history = client.get(f"/api/v1/articles/{shelf['public'].pk}/history/")

    assert [created.status_code, edited.status_code, retired.status_code] == [403, 403, 403]
    assert history.status_code == 403
    assert Article.objects.get(pk=shelf["public"].pk).state == "published"


def test_staff_create_edit_and_publish_through_the_api(agent, token_api_for, shelf):
    client = token_api_for(agent, "write")

    created = client.post(
        "/api/v1/articles/",
        {
            "title": "Printer offline",
            "body": "Switch it **off** and on.",
            "categories": [shelf["vpn"].pk],
            "tags": ["Printer"],
            "related": [shelf["public"].pk],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    article_id = created.json()["id"]
    assert created.json()["state"] == "draft"
    assert created.json()["allowed_transitions"] == ["published"]

    edited = client.patch(
        f"/api/v1/articles/{article_id}/",
        {"summary": "Power-cycle it.", "version": 1},
        format="json",
    )
    assert edited.status_code == 200 and edited.json()["summary"] == "Power-cycle it."

    published = client.post(
        f"/api/v1/articles/{article_id}/transition/", {"state": "published"}, format="json"
    )
    assert published.status_code == 200
    assert published.json()["state"] == "published"
    assert published.json()["published_at"] is not None


def test_an_illegal_transition_is_a_409_naming_the_allowed_moves(agent, api_for, shelf):
    response = api_for(agent).post(
        f"/api/v1/articles/{shelf['draft'].pk}/transition/", {"state": "retired"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert "allowed from draft: published" in response.json()["detail"]


def test_an_edit_of_an_outdated_version_is_a_409(agent, api_for, shelf):
    client = api_for(agent)
    url = f"/api/v1/articles/{shelf['public'].pk}/"
    client.patch(url, {"body": "New text", "version": 1}, format="json")

    response = client.patch(url, {"body": "Older idea", "version": 1}, format="json")

    assert response.status_code == 409
    assert response.json()["field"] == "version"


def test_a_body_over_the_limit_is_refused_with_a_400(agent, api_for):
    response = api_for(agent).post(
        "/api/v1/articles/", {"title": "Huge", "body": "x" * 100_001}, format="json"
    )

    assert response.status_code == 400
    assert "body" in response.json()


def test_staff_read_the_audit_history_of_an_article(agent, api_for, shelf):
    api_for(agent).patch(
        f"/api/v1/articles/{shelf['public'].pk}/", {"title": "VPN keeps dropping"}, format="json"
    )

    history = api_for(agent).get(f"/api/v1/articles/{shelf['public'].pk}/history/").json()

    assert history[0]["actor"] == agent.username
    assert history[0]["changes"]["title"]["new"] == "VPN keeps dropping"


# --- categories ---------------------------------------------------------------------------------


def test_categories_count_only_what_the_reader_may_read(requester, agent, api_for, shelf):
    for_end_user = api_for(requester).get("/api/v1/article-categories/").json()["results"]
    for_staff = api_for(agent).get("/api/v1/article-categories/").json()["results"]

    assert [(c["name"], c["article_count"]) for c in for_end_user] == [("VPN", 1)]
    assert [(c["name"], c["article_count"]) for c in for_staff] == [("VPN", 2)]


def test_staff_file_categories_and_end_users_cannot(requester, agent, api_for, shelf):
    refused = api_for(requester).post("/api/v1/article-categories/", {"name": "X"}, format="json")
    created = api_for(agent).post(
        "/api/v1/article-categories/", {"name": "Linux", "parent": shelf["vpn"].pk}, format="json"
    )

    assert refused.status_code == 403
    assert created.status_code == 201
    assert created.json()["slug"] == "vpn-linux"


def test_moving_a_category_below_itself_is_a_400(agent, api_for, shelf):
    child = make_category("Linux", parent=shelf["vpn"])

    response = api_for(agent).patch(
        f"/api/v1/article-categories/{shelf['vpn'].pk}/", {"parent": child.pk}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["field"] == "parent"
