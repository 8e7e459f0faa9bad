"""Signal receivers of the monitoring app."""

from django.db.models.signals import post_delete, post_save

from cmdb.models import ConfigurationItem
from monitoring.models import SeriesLinkRule


def forget_link_lookups(sender, **kwargs):
    """A CI or a link rule changed: new series must not be linked from a stale lookup. (Other
    processes refresh theirs within a minute.)"""
    from monitoring.ingest.series import link_rules

    link_rules.invalidate()


def connect() -> None:
    for model in (ConfigurationItem, SeriesLinkRule):
        for signal in (post_save, post_delete):
            signal.connect(
                forget_link_lookups, sender=model, dispatch_uid=f"monitoring-links-{model.__name__}"
            )
