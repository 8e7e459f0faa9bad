"""Who may do what: roles are Django groups named after `Role` labels.

Every permission check in the apps goes through these helpers, so a page, an API view and a
WebSocket consumer agree on what a role allows.
"""

from collections.abc import Iterable
from functools import wraps

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied

from itops.choices import Role

STAFF_ROLES = frozenset({Role.AGENT, Role.OPS_ENGINEER, Role.CHANGE_MANAGER, Role.ADMIN})
_LABEL_TO_ROLE = {role.label: role for role in Role}


def group_name(role: Role) -> str:
    return role.label


def roles_of(user) -> frozenset[Role]:
    """The roles a user holds, cached on the user object for the request."""
    if user is None or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_itops_roles", None)
    if cached is None:
        names = user.groups.values_list("name", flat=True)
        cached = frozenset(_LABEL_TO_ROLE[name] for name in names if name in _LABEL_TO_ROLE)
        if user.is_superuser:
            cached |= {Role.ADMIN}
        user._itops_roles = cached
    return cached


def has_role(user, *roles: Role) -> bool:
    """True when the user holds any of `roles`; admins hold every role."""
    held = roles_of(user)
    return Role.ADMIN in held or any(role in held for role in roles)


def is_staff_member(user) -> bool:
    """Agents, engineers, change managers and admins: everyone who is not only an end user."""
    return bool(roles_of(user) & STAFF_ROLES)


def primary_role(user) -> Role | None:
    held = roles_of(user)
    for role in (Role.ADMIN, Role.CHANGE_MANAGER, Role.OPS_ENGINEER, Role.AGENT, Role.END_USER):
        if role in held:
            return role
    return Role.END_USER if user is not None and user.is_authenticated else None


def require_role(user, *roles: Role) -> None:
    if not has_role(user, *roles):
        raise PermissionDenied("Your role does not allow this.")


class RoleRequiredMixin(AccessMixin):
    """Class-based views: sign-in first, then one of `allowed_roles` (403 otherwise)."""

    allowed_roles: Iterable[Role] = ()

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not has_role(request.user, *self.allowed_roles):
            raise PermissionDenied("Your role does not allow this page.")
        return super().dispatch(request, *args, **kwargs)


def role_required(*roles: Role):
    """Function views: like `RoleRequiredMixin`."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            require_role(request.user, *roles)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
