from django.core.management.base import BaseCommand
from django.db import transaction

from itops.demo import DEMO_PASSWORD, DEMO_USERS, seeders, seeding
from itops.models import PlatformState

SEEDED_KEY = "demo_seeded"


class Command(BaseCommand):
    help = "Load demo data: teams, one user per role, a CMDB estate and more. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--once",
            action="store_true",
            help="Do nothing if demo data was seeded into this database before.",
        )

    def handle(self, *args, once, **options):
        if once and PlatformState.objects.filter(key=SEEDED_KEY).exists():
            self.stdout.write("Demo data already seeded; skipping.")
            return
        steps = list(seeders())
        with seeding():
            for number, (path, seeder) in enumerate(steps, start=1):
                self.stdout.write(f"[{number}/{len(steps)}] {path.rsplit('.', 1)[-1]}")
                with transaction.atomic():
                    seeder(stdout=self.stdout)
        PlatformState.objects.update_or_create(key=SEEDED_KEY, defaults={"value": {"ok": True}})
        self.stdout.write(
            self.style.SUCCESS(f"Demo data ready. Logins (password for all: {DEMO_PASSWORD}):")
        )
        for username, _first, _last, role, _teams in DEMO_USERS:
            self.stdout.write(f"  {username:<10} {role}")
