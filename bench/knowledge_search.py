"""Knowledge base search and suggestions: latency over a few thousand articles.

Builds a throwaway database (PostgreSQL with DATABASE_URL, SQLite otherwise), fills it with
generated articles (each on three of ~80 IT topics, so a topic word appears in about 4% of
them), then times the selectors the pages and the API call: a full search with
snippets (first page of 20) and suggestions for text typed into a ticket's short description.

    .venv/bin/python bench/knowledge_search.py [--articles 5000] [--rounds 200]
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "itops.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

WORDS = [
    "vpn", "password", "printer", "outlook", "mailbox", "calendar", "teams", "laptop", "monitor",
    "dock", "wifi", "network", "account", "locked", "reset", "mfa", "phone", "android", "iphone",
    "badge", "toner", "scanner", "driver", "update", "install", "license", "excel", "word",
    "onedrive", "sharepoint", "backup", "restore", "disk", "slow", "crash", "error", "certificate",
    "proxy", "firewall", "browser", "chrome", "edge", "citrix", "desktop", "remote", "keyboard",
    "mouse", "headset", "camera", "meeting", "room", "projector", "access", "request", "approval",
    "software", "catalog", "ticket", "incident",
]  # fmt: skip
QUERIES = [
    "vpn", "reset password", "printer toner", "outlook calendar", "mfa phone",
    "laptop dock monitor", "wifi slow", "onedrive backup restore", "certificate error browser",
    "teams camera headset",
]  # fmt: skip
TYPED = [
    "cannot connect to vpn fro", "my password expi", "printer on floor 3 prints bla",
    "outlook keeps asking for pass", "new phone mfa not wor", "laptop does not wake from do",
]  # fmt: skip


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def build(count: int) -> None:
    from itops.models import User
    from servicedesk.knowledge.choices import ArticleAudience, ArticleState
    from servicedesk.knowledge.rendering import html_to_text, render_markdown
    from servicedesk.knowledge.search import refresh_search_vectors
    from servicedesk.models.knowledge import Article

    author = User.objects.create_user("bench-author")
    rng = random.Random(42)
    # Each article is about three IT topics and otherwise written in filler words, so a topic
    # word appears in a few percent of the articles, as in a real knowledge base.
    syllables = ["ka", "lo", "mi", "ne", "tu", "ra", "si", "po", "de", "van", "ter", "gol"]
    filler = sorted({"".join(rng.choices(syllables, k=3)) for _ in range(4000)})
    articles = []
    for number in range(count):
        topics = rng.sample(WORDS, 3)
        title = " ".join(topics + rng.sample(filler, 2)).capitalize()
        paragraphs = [
            " ".join(rng.choices(filler, k=36) + rng.choices(topics, k=4)) + "." for _ in range(6)
        ]
        body = "\n\n".join(paragraphs) + "\n\n| a | b |\n|--|--|\n| 1 | 2 |\n"
        html = render_markdown(body)
        articles.append(
            Article(
                title=title,
                slug=f"article-{number}",
                summary=" ".join(topics + rng.sample(filler, 8)),
                body=body,
                body_html=html,
                body_text=html_to_text(html),
                state=ArticleState.PUBLISHED if number % 10 else ArticleState.DRAFT,
                audience=ArticleAudience.STAFF if number % 7 == 0 else ArticleAudience.EVERYONE,
                author=author,
                view_count=rng.randint(0, 500),
            )
        )
    Article.objects.bulk_create(articles, batch_size=500)
    refresh_search_vectors(Article.objects.all())
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE servicedesk_article")


def measure(rounds: int) -> dict[str, list[float]]:
    from itops.models import User
    from servicedesk.knowledge import selectors
    from servicedesk.knowledge.rendering import marked_snippet_html
    from servicedesk.knowledge.search import snippet_for

    reader = User.objects.create_user("bench-reader")
    timings: dict[str, list[float]] = {"search (page of 20, snippets)": [], "suggest (5)": []}
    for round_number in range(rounds):
        text = QUERIES[round_number % len(QUERIES)]
        started = time.perf_counter()
        page = list(selectors.search_articles(user=reader, text=text)[:20])
        for article in page:
            marked_snippet_html(snippet_for(article, text))
        timings["search (page of 20, snippets)"].append(time.perf_counter() - started)

        typed = TYPED[round_number % len(TYPED)]
        started = time.perf_counter()
        selectors.suggest_articles(user=reader, text=typed)
        timings["suggest (5)"].append(time.perf_counter() - started)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=200)
    options = parser.parse_args()

    test_settings = settings.DATABASES["default"].setdefault("TEST", {})
    if connection.vendor == "postgresql":
        test_settings["NAME"] = f"bench_{settings.DATABASES['default']['NAME']}"
    else:
        test_settings["NAME"] = str(settings.VAR_DIR / "bench-knowledge.sqlite3")
    original_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        started = time.perf_counter()
        build(options.articles)
        built_in = time.perf_counter() - started
        timings = measure(options.rounds)
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)

    print(f"knowledge search on {connection.vendor}: {options.articles} articles")
    print(f"  built and indexed in {built_in:.1f} s")
    for name, samples in timings.items():
        milliseconds = [sample * 1000 for sample in samples]
        print(
            f"  {name:<32} p50 {statistics.median(milliseconds):6.1f} ms   "
            f"p95 {percentile(milliseconds, 0.95):6.1f} ms   ({len(samples)} runs)"
        )


if __name__ == "__main__":
    main()
