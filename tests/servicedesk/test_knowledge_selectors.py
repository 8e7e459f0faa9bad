import pytest

from servicedesk.knowledge import search, selectors
from servicedesk.knowledge.choices import ArticleAudience, ArticleState
from servicedesk.knowledge.rendering import MARK_END, MARK_START
from servicedesk.knowledge.search import snippet_for
from tests.factories.knowledge import make_article, make_category

pytestmark = pytest.mark.django_db


@pytest.fixture
def substring_search(monkeypatch):
    """Search as on a database without full-text search (the SQLite install)."""
    monkeypatch.setattr(search, "uses_full_text_search", lambda: False)


@pytest.fixture
def shelf():
    """One article of each kind an end user must or must not see, all about the VPN."""
    return {
        "public": make_article("VPN connection drops", body="Reconnect the VPN client."),
        "internal": make_article(
            "VPN gateway failover runbook",
            body="Fail the VPN gateway over to the standby node.",
            audience=ArticleAudience.STAFF,
        ),
        "draft": make_article(
            "VPN on Linux", body="Install the VPN package.", state=ArticleState.DRAFT
        ),
        "retired": make_article(
            "Old VPN client", body="The old VPN client is gone.", state=ArticleState.RETIRED
        ),
    }


def titles(articles) -> list[str]:
    return [article.title for article in articles]


# --- scope --------------------------------------------------------------------------------------


def test_end_users_read_only_published_articles_meant_for_everyone(requester, shelf):
    assert titles(selectors.article_scope(user=requester)) == ["VPN connection drops"]


def test_signed_in_people_without_a_role_read_like_end_users(outsider, shelf):
    assert titles(selectors.article_scope(user=outsider)) == ["VPN connection drops"]


def test_staff_read_every_article_in_every_state(agent, shelf):
    assert len(selectors.article_scope(user=agent)) == 4


def test_filters_never_widen_an_end_users_scope(requester, shelf):
    filters = {"state": "draft", "audience": "staff"}

    assert list(selectors.article_list(user=requester, filters=filters)) == []


@pytest.mark.parametrize("engine", ["database", "substring"])
def test_search_never_finds_internal_drafts_or_retired_articles_for_end_users(
    requester, agent, shelf, monkeypatch, engine
):
    if engine == "substring":
        monkeypatch.setattr(search, "uses_full_text_search", lambda: False)

    assert titles(selectors.search_articles(user=requester, text="vpn")) == ["VPN connection drops"]
    found_by_staff = titles(selectors.search_articles(user=agent, text="vpn"))
    assert sorted(found_by_staff) == ["VPN connection drops", "VPN gateway failover runbook"]


@pytest.mark.parametrize("engine", ["database", "substring"])
def test_suggestions_never_offer_internal_or_unpublished_articles_to_end_users(
    requester, shelf, monkeypatch, engine
):
    if engine == "substring":
        monkeypatch.setattr(search, "uses_full_text_search", lambda: False)

    suggested = selectors.suggest_articles(user=requester, text="my vpn gateway keeps dropping")

    assert titles(suggested) == ["VPN connection drops"]


def test_related_articles_only_show_what_the_reader_may_read(requester, agent, shelf):
    article = make_article("Working from home", related=[shelf["public"], shelf["internal"]])

    assert titles(selectors.related_articles(article=article, user=requester)) == [
        "VPN connection drops"
    ]
    assert len(selectors.related_articles(article=article, user=agent)) == 2


def test_category_counts_leave_out_what_the_reader_cannot_read(requester, agent):
    network = make_category("Network")
    vpn = make_category("VPN", parent=network)
    make_category("Empty")
    make_article("VPN drops", categories=[vpn, network])
    make_article("Gateway runbook", categories=[vpn], audience=ArticleAudience.STAFF)

    for_end_user = {
        n.category.name: n.article_count for n in selectors.category_tree(user=requester)
    }
    for_staff = {n.category.name: n.article_count for n in selectors.category_tree(user=agent)}
    shown = selectors.category_tree(user=requester, hide_empty=True)

    assert for_end_user == {"Network": 1, "VPN": 1, "Empty": 0}
    assert for_staff == {"Network": 2, "VPN": 2, "Empty": 0}
    assert [(n.category.name, n.depth) for n in shown] == [("Network", 0), ("VPN", 1)]


def test_browsing_a_category_includes_its_subcategories(requester):
    network = make_category("Network")
    vpn = make_category("VPN", parent=network)
    make_article("VPN drops", categories=[vpn])
    make_article("Printer jams")

    found = selectors.article_list(user=requester, filters={"category": network.slug})

    assert titles(found) == ["VPN drops"]


# --- full-text search on PostgreSQL ---------------------------------------------------------------


@pytest.mark.postgres
def test_a_title_match_ranks_above_a_match_in_the_body(requester):
    make_article(
        "Outlook on your phone",
        body="If the printer prints blank pages, the printer driver is old. "
        "Reinstall the printer driver from the printer page.",
    )
    make_article("Printer prints blank pages", body="Replace the toner cartridge.")
    make_article("Set up Teams", summary="Teams meetings", body="Download Teams.")

    found = selectors.search_articles(user=requester, text="printer")

    assert titles(found) == ["Printer prints blank pages", "Outlook on your phone"]


@pytest.mark.postgres
def test_a_summary_match_ranks_between_title_and_body(requester):
    make_article("Email", body="Nothing about phones here.", summary="Mail on your phone")
    make_article("Outlook", body="Add the account on your phone.")
    make_article("Phone setup", body="Install the apps.")

    found = selectors.search_articles(user=requester, text="phone")

    assert titles(found) == ["Phone setup", "Email", "Outlook"]


@pytest.mark.postgres
def test_search_understands_word_forms_and_quotes_the_body_with_highlights(requester):
    make_article(
        "Printing",
        body="When a job is stuck in the queue, cancel it and restart the spooler service.",
    )

    [hit] = selectors.search_articles(user=requester, text="restarting spoolers")

    assert "<mark>restart</mark>" in str(_html(snippet_for(hit, "restarting spoolers")))
    assert "<mark>spooler</mark>" in str(_html(snippet_for(hit, "restarting spoolers")))


@pytest.mark.postgres
def test_a_passage_from_the_middle_of_the_body_is_marked_as_cut(requester):
    make_article(
        "Passwords",
        body=" ".join(["Some words about accounts and sign-in."] * 12)
        + " Reset it on the password page. "
        + " ".join(["More words about phones and laptops."] * 12),
    )

    [hit] = selectors.search_articles(user=requester, text="reset")
    snippet = snippet_for(hit, "reset")

    assert snippet.startswith("… ") and snippet.endswith(" …")
    assert f"{MARK_START}Reset{MARK_END}" in snippet


@pytest.mark.postgres
def test_suggestions_match_an_unfinished_last_word(requester):
    make_article("Printer prints blank pages", body="Replace the toner.")

    assert titles(selectors.suggest_articles(user=requester, text="office print")) == [
        "Printer prints blank pages"
    ]


# --- the substring fallback (SQLite) ----------------------------------------------------------


def test_fallback_ranks_title_then_summary_then_body_matches(requester, substring_search):
    make_article("Outlook", body="Add the account on your phone.")
    make_article("Phone setup", body="Install the apps.")
    make_article("Email", body="Nothing here.", summary="Mail on your phone")
    make_article("Teams", body="Download Teams.")

    found = selectors.search_articles(user=requester, text="phone")

    assert titles(found) == ["Phone setup", "Email", "Outlook"]


def test_fallback_search_needs_every_word(requester, substring_search):
    make_article("Printer jams", body="Open tray 2 on floor 3.")
    make_article("Printer toner", body="Order toner through the catalog.")

    assert titles(selectors.search_articles(user=requester, text="printer toner")) == [
        "Printer toner"
    ]


def test_fallback_snippets_mark_the_words_found(requester, substring_search):
    make_article("Printing", body="Cancel the job and restart the spooler service.")

    [hit] = selectors.search_articles(user=requester, text="spooler")

    assert str(_html(snippet_for(hit, "spooler"))) == (
        "Cancel the job and restart the <mark>spooler</mark> service."
    )


def test_fallback_suggestions_match_any_meaningful_word(requester, substring_search):
    make_article("Printer prints blank pages", body="Replace the toner.")
    make_article("Reset your password", body="Use the self-service page.")

    suggested = selectors.suggest_articles(user=requester, text="the printer on floor 3 is")

    assert titles(suggested) == ["Printer prints blank pages"]


# --- suggestion bounds ----------------------------------------------------------------------------


def test_suggestions_need_a_few_characters(requester):
    make_article("VPN drops")

    assert selectors.suggest_articles(user=requester, text=" vp ") == []


def test_suggestions_are_capped_whatever_the_caller_asks(requester):
    for number in range(selectors.SUGGEST_MAX_LIMIT + 3):
        make_article(f"VPN tip {number}", body="Use the VPN.")

    suggested = selectors.suggest_articles(user=requester, text="vpn", limit=1000)

    assert len(suggested) == selectors.SUGGEST_MAX_LIMIT


def _html(raw):
    from servicedesk.knowledge.rendering import marked_snippet_html

    return marked_snippet_html(raw)
