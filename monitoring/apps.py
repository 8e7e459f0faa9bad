from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = "Monitoring"

    def ready(self):
        from itops import audit, demo
        from monitoring import signals
        from monitoring.models import SeriesLinkRule

        audit.track(SeriesLinkRule)
        signals.connect()
        demo.register_seeder(order=60, seeder="monitoring.demo.seed_link_rules")
