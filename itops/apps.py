from django.apps import AppConfig


class ItopsConfig(AppConfig):
    name = "itops"
    verbose_name = "Platform"

    def ready(self):
        from itops import audit, demo
        from itops.api import schema  # noqa: F401 - registers the OpenAPI auth extension

        audit.register_models()
        demo.register_seeder(order=10, seeder="itops.demo.seed_people")
