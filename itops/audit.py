"""Audit history of domain models, kept by django-auditlog.

Each app registers its models with `track()` in its AppConfig.ready(). Services run their
writes inside `acting_as(user)` so background jobs record who acted; in requests the middleware
records the signed-in user (including users signed in by API token, resolved lazily once DRF
has authenticated them).
"""

from contextlib import contextmanager
from contextvars import ContextVar

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.db.models.signals import pre_save

_actor: ContextVar = ContextVar("itops_audit_actor", default=None)
_remote_addr: ContextVar = ContextVar("itops_audit_remote_addr", default=None)


def track(model, *, exclude: list[str] | None = None, m2m: list[str] | None = None) -> None:
    """Record every create, update and delete of `model` with old -> new per field."""
    if not auditlog.contains(model):
        auditlog.register(model, exclude_fields=exclude or [], m2m_fields=set(m2m or []))


def register_models() -> None:
    from itops.models import ApiToken, Team, TeamMembership, User

    track(User, exclude=["password", "last_login"], m2m=["groups"])
    track(Team)
    track(TeamMembership)
    track(ApiToken, exclude=["digest", "last_used_at"])
    pre_save.connect(_stamp_actor, sender=LogEntry, dispatch_uid="itops_audit_actor")


@contextmanager
def acting_as(user):
    """Attribute the audit entries written inside the block to `user`."""
    if user is None:
        yield
        return
    token = _actor.set(user)
    try:
        yield
    finally:
        _actor.reset(token)


def _current_actor():
    actor = _actor.get()
    if callable(actor):
        actor = actor()
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return actor


def _stamp_actor(sender, instance, **kwargs):
    if instance.actor_id is None:
        actor = _current_actor()
        if actor is not None:
            instance.actor = actor
            instance.actor_email = getattr(actor, "email", None) or None
    if instance.remote_addr is None:
        instance.remote_addr = _remote_addr.get()


class AuditActorMiddleware:
    """Attributes audit entries written during a request to the request's user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Lazy: DRF authenticates token users inside the view, after this runs.
        actor_token = _actor.set(lambda: getattr(request, "user", None))
        addr_token = _remote_addr.set(request.META.get("REMOTE_ADDR"))
        try:
            return self.get_response(request)
        finally:
            _actor.reset(actor_token)
            _remote_addr.reset(addr_token)


def history_for(obj):
    """Audit entries of one object, newest first."""
    return LogEntry.objects.get_for_object(obj).select_related("actor").order_by("-timestamp")


def _change_as_dict(values) -> dict:
    # Many-to-many changes are stored as {"type": "m2m", "operation": ..., "objects": [...]}.
    if isinstance(values, dict):
        return {"operation": values.get("operation"), "objects": values.get("objects", [])}
    return {"old": values[0], "new": values[1]}


def entry_as_dict(entry: LogEntry) -> dict:
    return {
        "id": entry.pk,
        "timestamp": entry.timestamp,
        "action": entry.get_action_display().lower(),
        "actor": entry.actor.username if entry.actor else None,
        "object": entry.object_repr,
        "changes": {
            field: _change_as_dict(values) for field, values in (entry.changes_dict or {}).items()
        },
    }
