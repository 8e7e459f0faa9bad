from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = "Monitoring"

    def ready(self):
        from itops import audit, demo
        from monitoring import signals
        from monitoring.models import SeriesLinkRule
        from monitoring.panels import register_panels
        from monitoring.targets import admin, tasks  # noqa: F401 - registers admin and tasks
        from monitoring.targets.models import CheckTemplate, Target

        audit.track(SeriesLinkRule)
        audit.track(Target, exclude=list(Target.RUN_STATE_FIELDS))
        audit.track(CheckTemplate)
        signals.connect()
        demo.register_seeder(order=60, seeder="monitoring.demo.seed_link_rules")
        demo.register_seeder(order=62, seeder="monitoring.targets.demo.seed_targets")
        register_panels()
