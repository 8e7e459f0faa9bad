import datetime

import pytest
from auditlog.models import LogEntry
from django.core.cache import cache

from itops.errors import Conflict, DomainError, InvalidTransition
from servicedesk.knowledge import services
from servicedesk.knowledge.choices import ARTICLE_TRANSITIONS, ArticleState
from servicedesk.knowledge.selectors import vote_summary
from servicedesk.models.knowledge import ArticleView
from tests.factories.knowledge import make_article, make_category

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def forget_view_gates():
    cache.clear()
    yield
    cache.clear()


# --- writing ------------------------------------------------------------------------------------


def test_a_new_article_is_a_draft_with_its_body_rendered_and_its_author(agent):
    article = services.create_article(
        by=agent, title="Connect to the VPN", body="Open **GlobalProtect**.", tags=["VPN", " vpn "]
    )

    assert article.state == ArticleState.DRAFT
    assert article.author == agent
    assert article.body_html == "<p>Open <strong>GlobalProtect</strong>.</p>"
    assert article.body_text == "Open GlobalProtect."
    assert [tag.name for tag in article.tags.all()] == ["vpn"]
    assert article.version == 1


def test_articles_with_the_same_title_get_distinct_slugs(agent):
    first = services.create_article(by=agent, title="Reset your password")
    second = services.create_article(by=agent, title="Reset your password!")

    assert first.slug == "reset-your-password"
    assert second.slug == "reset-your-password-2"


def test_a_blank_title_is_refused(agent):
    with pytest.raises(DomainError) as refused:
        services.create_article(by=agent, title="   ")

    assert refused.value.field == "title"


def test_a_body_over_the_size_limit_is_refused(agent):
    with pytest.raises(DomainError) as refused:
        services.create_article(by=agent, title="Huge", body="x" * (services.MAX_BODY_CHARS + 1))

    assert refused.value.field == "body"


def test_editing_the_content_raises_the_version_and_re_renders(agent):
    article = make_article("Printer jams", body="Open tray 2.")

    edited = services.update_article(article=article, by=agent, body="Open *tray 3*.")

    assert edited.version == 2
    assert edited.body_html == "<p>Open <em>tray 3</em>.</p>"


def test_changing_only_the_audience_keeps_the_version(agent):
    article = make_article("Printer jams")

    edited = services.update_article(article=article, by=agent, audience="staff")

    assert edited.audience == "staff"
    assert edited.version == 1


def test_an_edit_based_on_an_older_version_is_refused(agent, admin_user):
    article = make_article("Printer jams", body="Open tray 2.")
    services.update_article(article=article, by=admin_user, body="Open tray 3.", expected_version=1)

    with pytest.raises(Conflict) as refused:
        services.update_article(article=article, by=agent, body="Open tray 4.", expected_version=1)

    assert refused.value.field == "version"
    article.refresh_from_db()
    assert article.body == "Open tray 3."


def test_an_article_is_never_related_to_itself(agent):
    other = make_article("Other")
    article = make_article("This one")

    edited = services.update_article(article=article, by=agent, related=[article, other])

    assert list(edited.related.all()) == [other]
    assert list(other.related.all()) == [edited]


def test_edits_are_recorded_in_the_audit_history_with_who_did_them(agent):
    article = make_article("Printer jams", body="Open tray 2.")

    services.update_article(article=article, by=agent, title="Printer jams on floor 3")

    entry = LogEntry.objects.get_for_object(article).filter(action=LogEntry.Action.UPDATE).first()
    assert entry.actor == agent
    assert entry.changes_dict["title"] == ["Printer jams", "Printer jams on floor 3"]


# --- states -------------------------------------------------------------------------------------


def test_a_draft_is_published_then_retired_then_reopened(agent):
    article = make_article("VPN", state=ArticleState.DRAFT)

    published = services.transition_article(article=article, by=agent, to_state="published")
    assert published.state == "published" and published.published_at is not None

    retired = services.transition_article(article=published, by=agent, to_state="retired")
    assert retired.state == "retired" and retired.retired_at is not None

    reopened = services.transition_article(article=retired, by=agent, to_state="draft")
    assert reopened.state == "draft"


ILLEGAL_MOVES = [
    (current, target)
    for current in ArticleState.values
    for target in ArticleState.values
    if target not in ARTICLE_TRANSITIONS[current]
]


@pytest.mark.parametrize(("current", "target"), ILLEGAL_MOVES)
def test_every_move_outside_the_state_table_is_refused(agent, current, target):
    article = make_article("VPN", state=current)

    with pytest.raises(InvalidTransition) as refused:
        services.transition_article(article=article, by=agent, to_state=target)

    assert refused.value.current == current
    article.refresh_from_db()
    assert article.state == current


def test_the_illegal_moves_include_retiring_a_draft_and_republishing_without_review():
    assert ("draft", "retired") in ILLEGAL_MOVES
    assert ("retired", "published") in ILLEGAL_MOVES
    assert ("published", "draft") in ILLEGAL_MOVES


def test_an_article_without_a_body_cannot_be_published(agent):
    article = make_article("Empty", body="  ", state=ArticleState.DRAFT)

    with pytest.raises(DomainError) as refused:
        services.transition_article(article=article, by=agent, to_state="published")

    assert refused.value.field == "body"


# --- votes --------------------------------------------------------------------------------------


def test_each_person_votes_once_per_article_and_may_change_their_mind(requester, other_requester):
    article = make_article("VPN")

    services.vote_on_article(article=article, user=requester, helpful=True)
    services.vote_on_article(article=article, user=requester, helpful=True)
    services.vote_on_article(article=article, user=other_requester, helpful=True)
    services.vote_on_article(article=article, user=requester, helpful=False)

    summary = vote_summary(article=article, user=requester)
    assert (summary.helpful, summary.not_helpful, summary.mine) == (1, 1, False)


def test_drafts_take_no_votes(requester):
    article = make_article("VPN", state=ArticleState.DRAFT)

    with pytest.raises(Conflict):
        services.vote_on_article(article=article, user=requester, helpful=True)


# --- views --------------------------------------------------------------------------------------


def test_a_person_reading_an_article_many_times_a_day_counts_once(requester):
    article = make_article("VPN")

    counted = [services.record_article_view(article=article, user=requester) for _ in range(5)]

    assert counted == [True, False, False, False, False]
    article.refresh_from_db()
    assert article.view_count == 1


def test_repeat_reads_of_the_day_do_not_touch_the_database(requester, django_assert_num_queries):
    article = make_article("VPN")
    services.record_article_view(article=article, user=requester)

    with django_assert_num_queries(0):
        services.record_article_view(article=article, user=requester)


def test_reads_on_another_day_and_by_another_person_count_again(requester, other_requester):
    article = make_article("VPN")
    today = datetime.date(2025, 3, 3)

    services.record_article_view(article=article, user=requester, on=today)
    services.record_article_view(article=article, user=other_requester, on=today)
    services.record_article_view(
        article=article, user=requester, on=today + datetime.timedelta(days=1)
    )

    article.refresh_from_db()
    assert article.view_count == 3
    assert ArticleView.objects.filter(article=article).count() == 3


def test_a_forgetful_cache_still_counts_a_person_once_a_day(requester):
    article = make_article("VPN")
    services.record_article_view(article=article, user=requester)

    cache.clear()
    counted_again = services.record_article_view(article=article, user=requester)

    assert counted_again is False
    article.refresh_from_db()
    assert article.view_count == 1


# --- categories ---------------------------------------------------------------------------------


def test_a_category_cannot_be_moved_below_its_own_descendant(agent):
    network = make_category("Network")
    vpn = make_category("VPN", parent=network)

    with pytest.raises(DomainError) as refused:
        services.update_category(category=network, by=agent, parent=vpn)

    assert refused.value.field == "parent"


def test_sibling_categories_need_distinct_names(agent):
    network = make_category("Network")
    make_category("VPN", parent=network)

    with pytest.raises(DomainError):
        services.create_category(by=agent, name="vpn", parent=network)
    assert services.create_category(by=agent, name="VPN").slug == "vpn"
