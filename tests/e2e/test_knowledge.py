import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from itops.demo import seed_people
from servicedesk.knowledge.demo import seed_knowledge
from servicedesk.models.knowledge import Article, ArticleVote


@pytest.fixture
def demo_knowledge_base(transactional_db):
    """The demo knowledge base (view counts live in the cache, so it starts empty)."""
    cache.clear()
    seed_people()
    seed_knowledge()


def test_an_end_user_searches_reads_and_finds_an_article_helpful(
    demo_knowledge_base, requester, page, login, live_server_url, screenshot
):
    login(requester)
    page.goto(f"{live_server_url}/kb/")
    expect(page.get_by_role("heading", name="How can we help?")).to_be_visible()

    # Results appear as they type, without pressing Enter.
    page.get_by_label("Search the knowledge base").press_sequentially("vpn", delay=60)
    results = page.get_by_test_id("kb-results")
    expect(
        results.get_by_role("link", name=re.compile("Connect to the VPN from home"))
    ).to_be_visible()
    expect(page).to_have_url(re.compile(r"/kb/\?q=vpn"))
    expect(results).not_to_contain_text("failover runbook")  # internal
    expect(results.locator("mark").first).to_be_visible()
    screenshot("kb-search")

    results.get_by_role("link", name=re.compile("Connect to the VPN from home")).click()
    article = page.get_by_test_id("kb-article")
    expect(article.get_by_role("heading", name="Connect to the VPN from home")).to_be_visible()
    expect(article.locator(".kb-body table")).to_be_visible()
    expect(page.get_by_test_id("kb-views")).to_contain_text("413 views")
    related = page.get_by_test_id("kb-related")
    expect(related).to_contain_text("VPN connected but internal sites do not load")
    expect(related).not_to_contain_text("runbook")
    expect(page.get_by_test_id("history")).to_have_count(0)

    page.get_by_role("button", name="Yes").click()
    votes = page.get_by_test_id("kb-votes")
    expect(votes).to_contain_text("Thanks for your feedback")
    expect(votes).to_contain_text("1 of 1 found this helpful")
    expect(page.get_by_role("button", name="Yes")).to_have_attribute("aria-pressed", "true")
    screenshot("kb-article")

    vote = ArticleVote.objects.get(user=requester)
    assert vote.helpful is True
    assert vote.article == Article.objects.get(slug="connect-to-the-vpn-from-home")


def test_an_agent_writes_previews_and_publishes_an_article(
    demo_knowledge_base, agent, page, login, live_server_url, screenshot
):
    login(agent)
    page.goto(f"{live_server_url}/kb/")
    page.get_by_role("link", name="New article").click()

    page.get_by_label("Title").fill("Scan to email")
    page.get_by_label("Summary").fill("Send scans from any office printer to your inbox.")
    page.get_by_label("Body").fill(
        "1. Tap your badge.\n2. Choose **Scan to me**.\n\n| Format | Size |\n|--|--|\n| PDF | A4 |"
    )
    page.get_by_label("Printing", exact=True).check()
    page.get_by_label("Tags").fill("scanner, printer")
    preview = page.get_by_test_id("kb-preview")
    expect(preview.locator("strong")).to_have_text("Scan to me")
    expect(preview.locator("table")).to_be_visible()
    screenshot("kb-editor")

    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_test_id("kb-state")).to_have_text("Draft")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("alert")).to_contain_text("is now published")
    expect(page.get_by_test_id("kb-state")).to_have_count(0)
    expect(page.get_by_test_id("history")).to_contain_text("Alex Agent")
    screenshot("kb-article-staff")
    assert Article.objects.get(title="Scan to email").state == "published"
