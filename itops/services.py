"""Writes on platform objects: API tokens, teams and people."""

import hashlib
import secrets
from datetime import datetime

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from itops.audit import acting_as
from itops.choices import Role, TokenScope
from itops.errors import DomainError
from itops.models import ApiToken, Team, TeamMembership, User
from itops.roles import group_name

TOKEN_PREFIX = "itops_"


def token_digest(secret: str) -> str:
    # Tokens carry 256 random bits, so a fast digest is enough; no salt or stretching needed.
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def create_api_token(
    *,
    user: User,
    name: str,
    scopes: list[str],
    expires_at: datetime | None = None,
    by: User | None = None,
) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret, which is never stored and shown only once."""
    name = (name or "").strip()
    if not name:
        raise DomainError("A token needs a name.", field="name")
    unknown = sorted(set(scopes) - set(TokenScope.values))
    if unknown:
        raise DomainError(f"Unknown scope(s): {', '.join(unknown)}.", field="scopes")
    if not scopes:
        raise DomainError("A token needs at least one scope.", field="scopes")
    if expires_at is not None and expires_at <= timezone.now():
        raise DomainError("The expiry must be in the future.", field="expires_at")
    if ApiToken.objects.filter(user=user, name=name).exists():
        raise DomainError(f"{user.username} already has a token named {name!r}.", field="name")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with acting_as(by or user):
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=secret[: len(TOKEN_PREFIX) + 6],
            digest=token_digest(secret),
            scopes=sorted(set(scopes)),
            expires_at=expires_at,
        )
    return token, secret


@transaction.atomic
def revoke_api_token(*, token: ApiToken, by: User) -> ApiToken:
    if token.revoked_at is None:
        with acting_as(by):
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
    return token


def touch_api_token(token: ApiToken) -> None:
    """Record use at most once a minute, so busy receivers don't write on every request."""
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


@transaction.atomic
def set_roles(*, user: User, roles: list[Role]) -> None:
    groups = Group.objects.filter(name__in=[group_name(role) for role in roles])
    user.groups.set(groups)
    user.__dict__.pop("_itops_roles", None)


@transaction.atomic
def create_team(
    *, name: str, slug: str, lead: User | None = None, members=(), email: str = "", by=None
) -> Team:
    with acting_as(by):
        team, _ = Team.objects.get_or_create(
            slug=slug, defaults={"name": name, "lead": lead, "email": email}
        )
        for member in {*members, *([lead] if lead else [])}:
            TeamMembership.objects.get_or_create(team=team, user=member)
    return team
