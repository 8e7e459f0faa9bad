"""Demo data. Each app registers a seeder here; `manage.py seed_demo` runs them in order.

Seeders must be idempotent: running the command twice leaves the same data.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.utils.module_loading import import_string

_SEEDERS: dict[str, int] = {}
_seeding: ContextVar[bool] = ContextVar("itops_demo_seeding", default=False)

DEMO_PASSWORD = "itops-demo"
DEMO_USERS = [
    # username, first, last, role, team slugs
    ("admin", "Ada", "Admin", "admin", ["service-desk", "platform-ops"]),
    ("agent", "Alex", "Agent", "agent", ["service-desk"]),
    ("ops", "Olivia", "Ops", "ops_engineer", ["platform-ops"]),
    ("changes", "Chris", "Change", "change_manager", ["change-advisory-board"]),
    ("enduser", "Erin", "User", "end_user", []),
]
DEMO_TEAMS = [
    ("service-desk", "Service Desk", "agent"),
    ("platform-ops", "Platform Operations", "ops"),
    ("network", "Network", "ops"),
    ("database", "Database Administration", "ops"),
    ("change-advisory-board", "Change Advisory Board", "changes"),
]


def register_seeder(*, order: int, seeder: str) -> None:
    """Register a dotted path to `seeder(stdout)`; lower `order` runs first."""
    _SEEDERS[seeder] = order


@contextmanager
def seeding() -> Iterator[None]:
    """While demo data is loaded: apps skip side effects meant for people (email)."""
    token = _seeding.set(True)
    try:
        yield
    finally:
        _seeding.reset(token)


def is_seeding() -> bool:
    return _seeding.get()


def seeders():
    for path, _order in sorted(_SEEDERS.items(), key=lambda item: item[1]):
        yield path, import_string(path)


def seed_people(stdout=None) -> None:
    from itops.choices import Role
    from itops.models import User
    from itops.services import create_team, set_roles

    users = {}
    for username, first, last, role, _teams in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@example.com",
                "is_staff": role == "admin",
                "is_superuser": role == "admin",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        set_roles(user=user, roles=[Role(role)])
        users[username] = user
    enduser = users["enduser"]
    if enduser.manager_id is None:
        enduser.manager = users["agent"]
        enduser.department = "Finance"
        enduser.save(update_fields=["manager", "department"])
    for slug, name, lead in DEMO_TEAMS:
        members = [users[u] for u, *_rest, teams in DEMO_USERS if slug in teams]
        create_team(name=name, slug=slug, lead=users[lead], members=members)
    if stdout:
        stdout.write(f"  people: {len(users)} users, {len(DEMO_TEAMS)} teams")
