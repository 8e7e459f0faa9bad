from django.apps import AppConfig


class CmdbConfig(AppConfig):
    name = "cmdb"
    verbose_name = "CMDB"

    def ready(self):
        from cmdb.models import CIClass, ConfigurationItem, Location, Relationship
        from itops import audit, demo

        audit.track(CIClass)
        audit.track(Location)
        audit.track(ConfigurationItem, exclude=["updated_at"])
        audit.track(Relationship)
        demo.register_seeder(order=20, seeder="cmdb.demo.seed_estate")
