from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = "Monitoring"

    def ready(self):
        from itops import audit, demo
        from monitoring.models import SeriesLinkRule
        from monitoring.panels import register_panels

        audit.track(SeriesLinkRule)
        demo.register_seeder(order=60, seeder="monitoring.demo.seed_link_rules")
        register_panels()
