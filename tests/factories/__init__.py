"""Builders for test data. Keep them small: a test states the fields it cares about.

Platform builders live here; each app adds its own module (tests/factories/cmdb.py, ...)."""

import itertools

from itops.choices import Role
from itops.models import Team, User
from itops.services import create_api_token, create_team, set_roles

_sequence = itertools.count(1)
PASSWORD = "correct-horse-battery"


def make_user(username: str | None = None, *, role: Role = Role.END_USER, **fields) -> User:
    username = username or f"user{next(_sequence)}"
    fields.setdefault("email", f"{username}@example.com")
    fields.setdefault("first_name", username.capitalize())
    user = User.objects.create_user(username=username, password=PASSWORD, **fields)
    set_roles(user=user, roles=[role])
    return user


def make_team(name: str | None = None, *, members=(), lead=None) -> Team:
    name = name or f"Team {next(_sequence)}"
    slug = name.lower().replace(" ", "-")
    return create_team(name=name, slug=slug, lead=lead, members=members)


def make_token(user: User, *scopes: str, **fields) -> str:
    _token, secret = create_api_token(
        user=user,
        name=fields.pop("name", f"token-{next(_sequence)}"),
        scopes=list(scopes),
        **fields,
    )
    return secret
