"""Demo data of the monitoring app."""

from monitoring.models import SeriesLinkRule

DEFAULT_LINK_RULES = [
    # label, pattern, priority, description
    ("ci", r"^(.+)$", 10, "An explicit ci label names the CI."),
    ("host", r"^(.+?)(?:\..*)?$", 20, "host=web-01.example.com links to CI web-01."),
    ("instance", r"^(.+?)(?::\d+)?$", 30, 'instance="web-01:9100" links to CI web-01.'),
]


def seed_link_rules(stdout=None) -> None:
    for label, pattern, priority, description in DEFAULT_LINK_RULES:
        SeriesLinkRule.objects.get_or_create(
            label=label,
            pattern=pattern,
            defaults={"priority": priority, "description": description},
        )
    if stdout:
        stdout.write(f"  monitoring: {len(DEFAULT_LINK_RULES)} series link rules")
