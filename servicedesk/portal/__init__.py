"""The self-service portal at /portal/ (a plain package of the servicedesk app): end users report
incidents, order from the catalog, follow and rate their tickets and decide their approvals."""


def setup() -> None:
    """Audit and timeline registration of satisfaction ratings, and the portal's demo rows."""
    from itops import audit, demo
    from servicedesk.models import SatisfactionRating
    from servicedesk.selectors.satisfaction import satisfaction_entries
    from servicedesk.timeline import register_timeline_source

    audit.track(SatisfactionRating)
    register_timeline_source("servicedesk.satisfaction", satisfaction_entries)
    demo.register_seeder(order=36, seeder="servicedesk.portal.demo.seed_portal")
