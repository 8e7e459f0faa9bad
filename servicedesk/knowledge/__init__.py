"""The knowledge base of the service desk (a plain package of the servicedesk app)."""


def setup() -> None:
    """Registers the knowledge models for audit and the knowledge demo seeder."""
    from itops import audit, demo
    from servicedesk.models.knowledge import Article, ArticleCategory, ArticleTag

    audit.track(
        Article,
        exclude=["body_html", "body_text", "search_vector", "view_count", "updated_at"],
        m2m=["categories", "tags", "related"],
    )
    audit.track(ArticleCategory)
    audit.track(ArticleTag)
    demo.register_seeder(order=35, seeder="servicedesk.knowledge.demo.seed_knowledge")
