import pytest
from django.core.cache import cache

from servicedesk.knowledge import services
from servicedesk.knowledge.choices import ArticleAudience, ArticleState
from servicedesk.models.knowledge import Article
from tests.factories.knowledge import make_article, make_category

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def forget_view_gates():
    cache.clear()


@pytest.fixture
def shelf():
    vpn = make_category("VPN")
    return {
        "public": make_article(
            "VPN connection drops",
            summary="Reconnect the client.",
            body="Reconnect the **VPN** client.\n\n<script>alert('x')</script>",
            categories=[vpn],
        ),
        "internal": make_article(
            "VPN gateway failover runbook",
            body="Fail the VPN gateway over.",
            audience=ArticleAudience.STAFF,
            categories=[vpn],
        ),
        "draft": make_article("VPN on Linux", body="Install it.", state=ArticleState.DRAFT),
    }


# --- reading ------------------------------------------------------------------------------------


def test_the_knowledge_base_needs_a_sign_in(client):
    response = client.get("/kb/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_an_end_user_searching_sees_only_published_articles_for_everyone(
    requester, page_client_for, shelf
):
    response = page_client_for(requester).get("/kb/", {"q": "vpn"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "VPN connection drops" in page
    assert "failover runbook" not in page
    assert "VPN on Linux" not in page
    assert "1 article" in page


def test_searching_for_an_article_number_opens_that_article(requester, page_client_for, shelf):
    client = page_client_for(requester)
    public, internal = shelf["public"], shelf["internal"]

    found = client.get("/kb/", {"q": f"kb{public.pk:07d}"})
    hidden = client.get("/kb/", {"q": internal.number})

    assert found.status_code == 302 and found["Location"] == public.get_absolute_url()
    assert hidden.status_code == 200  # an ordinary search, which finds nothing


def test_typing_in_the_search_box_answers_only_the_results_fragment(
    requester, page_client_for, shelf
):
    response = page_client_for(requester).get(
        "/kb/", {"q": "reconnect"}, HTTP_HX_TARGET="kb-results", **HTMX
    )

    page = response.content.decode()
    assert "<html" not in page
    assert "VPN connection drops" in page
    assert "<mark>" in page.lower()


def test_the_front_page_lists_categories_without_internal_articles_in_their_counts(
    requester, page_client_for, shelf
):
    response = page_client_for(requester).get("/kb/")

    categories = response.context["tree"]
    assert [(node.category.name, node.article_count) for node in categories] == [("VPN", 1)]
    assert [article.title for article in response.context["popular"]] == ["VPN connection drops"]


def test_an_end_user_reads_a_published_article_rendered_and_sanitised(
    requester, page_client_for, shelf
):
    response = page_client_for(requester).get(shelf["public"].get_absolute_url())

    page = response.content.decode()
    assert response.status_code == 200
    assert "Reconnect the <strong>VPN</strong> client." in page
    assert "alert('x')" not in page
    assert 'data-testid="history"' not in page
    assert "Was this article helpful?" in page


@pytest.mark.parametrize("kind", ["internal", "draft"])
def test_internal_and_draft_articles_are_not_found_by_end_users(
    requester, page_client_for, shelf, kind
):
    client = page_client_for(requester)

    assert client.get(shelf[kind].get_absolute_url()).status_code == 404
    assert (
        client.post(f"/kb/articles/{shelf[kind].slug}/vote/", {"helpful": "yes"}).status_code == 404
    )


def test_staff_read_internal_articles_with_their_history_and_actions(agent, page_client_for, shelf):
    response = page_client_for(agent).get(shelf["internal"].get_absolute_url())

    page = response.content.decode()
    assert response.status_code == 200
    assert "Internal: staff only" in page
    assert 'data-testid="history"' in page
    assert "Retire" in page


def test_the_history_shows_category_changes_readably(agent, page_client_for, shelf):
    printing = make_category("Printing")
    services.update_article(article=shelf["public"], by=agent, categories=[printing])

    response = page_client_for(agent).get(shelf["public"].get_absolute_url())

    page = response.content.decode()
    assert "add Printing" in page
    assert "<del>type</del>" not in page


def test_reading_an_article_counts_one_view_per_person_a_day(requester, page_client_for, shelf):
    client = page_client_for(requester)
    url = shelf["public"].get_absolute_url()

    client.get(url)
    response = client.get(url)

    assert "1 view" in response.content.decode()
    assert Article.objects.get(pk=shelf["public"].pk).view_count == 1


def test_voting_through_htmx_answers_the_updated_tally(
    requester, other_requester, page_client_for, shelf
):
    url = f"/kb/articles/{shelf['public'].slug}/vote/"
    page_client_for(other_requester).post(url, {"helpful": "no"}, **HTMX)

    response = page_client_for(requester).post(url, {"helpful": "yes"}, **HTMX)

    fragment = response.content.decode()
    assert response.status_code == 200
    assert "1 of 2 found this helpful" in fragment
    assert "Thanks for your feedback" in fragment
    assert 'value="yes" aria-pressed="true"' in fragment


def test_a_vote_must_say_yes_or_no(requester, page_client_for, shelf):
    response = page_client_for(requester).post(
        f"/kb/articles/{shelf['public'].slug}/vote/", {"helpful": "maybe"}
    )

    assert response.status_code == 400


def test_suggestions_fragment_lists_matching_articles_for_a_ticket_description(
    requester, page_client_for, shelf
):
    client = page_client_for(requester)

    response = client.get("/kb/suggest/", {"short_description": "vpn keeps dropping"}, **HTMX)
    too_short = client.get("/kb/suggest/", {"q": "vp"}, **HTMX)

    assert "VPN connection drops" in response.content.decode()
    assert "runbook" not in response.content.decode()
    assert too_short.content.decode().strip() == ""


# --- writing ------------------------------------------------------------------------------------


def test_end_users_cannot_open_the_editor_or_publish(requester, page_client_for, shelf):
    client = page_client_for(requester)

    assert client.get("/kb/articles/new/").status_code == 403
    assert client.get(f"/kb/articles/{shelf['public'].slug}/edit/").status_code == 403
    response = client.post(
        f"/kb/articles/{shelf['draft'].slug}/transition/", {"state": "published"}
    )
    assert response.status_code == 403
    assert Article.objects.get(pk=shelf["draft"].pk).state == "draft"


def test_an_agent_writes_a_draft_and_publishes_it(agent, page_client_for):
    client = page_client_for(agent)
    category = make_category("Printing")

    response = client.post(
        "/kb/articles/new/",
        {
            "title": "Printer offline",
            "summary": "Power-cycle it.",
            "body": "Switch it **off** and on.",
            "audience": "everyone",
            "categories": [category.pk],
            "tags": "printer, offline",
        },
    )
    article = Article.objects.get(title="Printer offline")
    assert response.status_code == 302 and response["Location"] == article.get_absolute_url()
    assert article.state == "draft"
    assert sorted(tag.name for tag in article.tags.all()) == ["offline", "printer"]

    client.post(f"/kb/articles/{article.slug}/transition/", {"state": "published"})
    assert Article.objects.get(pk=article.pk).state == "published"


def test_an_illegal_move_on_the_page_is_refused_with_a_message(agent, page_client_for, shelf):
    response = page_client_for(agent).post(
        f"/kb/articles/{shelf['draft'].slug}/transition/", {"state": "retired"}, follow=True
    )

    assert "cannot move from draft to retired" in response.content.decode()
    assert Article.objects.get(pk=shelf["draft"].pk).state == "draft"


def test_saving_over_someone_elses_newer_edit_is_refused_and_keeps_the_text(
    agent, page_client_for, shelf
):
    article = shelf["public"]
    form = {
        "title": article.title,
        "summary": "",
        "body": "My edit",
        "audience": "everyone",
        "version": 1,
    }
    page_client_for(agent).post(f"/kb/articles/{article.slug}/edit/", form | {"body": "First"})

    response = page_client_for(agent).post(f"/kb/articles/{article.slug}/edit/", form)

    assert response.status_code == 200
    assert "changed while you were editing" in response.content.decode()
    assert "My edit" in response.content.decode()
    assert Article.objects.get(pk=article.pk).body == "First"


def test_the_preview_renders_sanitised_markdown(agent, page_client_for):
    response = page_client_for(agent).post(
        "/kb/preview/", {"body": "# Hi\n\n[x](javascript:alert(1))"}, **HTMX
    )

    assert "<h1>Hi</h1>" in response.content.decode()
    assert "javascript" not in response.content.decode()


def test_staff_file_a_subcategory(agent, page_client_for):
    network = make_category("Network")

    response = page_client_for(agent).post(
        "/kb/categories/new/", {"name": "Wi-Fi", "parent": network.pk, "position": 0}
    )

    assert response.status_code == 302
    assert network.children.get().name == "Wi-Fi"
