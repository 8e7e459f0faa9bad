"""Reads on platform objects."""

from django.db.models import QuerySet

from itops.models import ApiToken, Team, User


def api_tokens_of(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def teams_of(*, user: User) -> QuerySet[Team]:
    return Team.objects.filter(memberships__user=user)


def team_list() -> QuerySet[Team]:
    return Team.objects.select_related("lead").prefetch_related("members")
