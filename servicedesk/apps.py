from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class ServicedeskConfig(AppConfig):
    name = "servicedesk"
    verbose_name = "Service desk"

    def ready(self):
        from itops import audit, demo
        from servicedesk import knowledge, models, notifications, portal, process, timeline
        from servicedesk.desk import live
        from servicedesk.file_types import ATTACHMENT_FILE_TYPES

        unknown = sorted(set(settings.ITOPS_ATTACHMENT_TYPES) - ATTACHMENT_FILE_TYPES.keys())
        if unknown:
            raise ImproperlyConfigured(
                f"ITOPS_ATTACHMENT_TYPES lists types that cannot be checked by content: "
                f"{', '.join(unknown)}; known: {', '.join(sorted(ATTACHMENT_FILE_TYPES))}"
            )

        audit.track(models.Ticket, exclude=["search_vector", "updated_at"], m2m=["watchers"])
        # Saves through a proxy send their signals with the proxy as sender.
        for proxy in (models.Incident, models.ServiceRequest, models.Problem):
            audit.track(proxy, exclude=["search_vector", "updated_at"])
        audit.track(models.Comment)
        audit.track(models.Attachment)
        audit.track(models.TicketLink)
        audit.track(models.Category)
        audit.track(models.PriorityMatrixCell)
        audit.track(models.AssignmentRule, exclude=["last_assignee"])
        audit.track(models.CatalogItem, exclude=["updated_at"])
        timeline.register_core_sources()
        demo.register_seeder(order=30, seeder="servicedesk.demo.seed_service_desk")
        demo.register_seeder(order=36, seeder="servicedesk.desk.demo.seed_desk")
        knowledge.setup()
        process.setup()
        portal.setup()
        notifications.setup()
        live.connect()
