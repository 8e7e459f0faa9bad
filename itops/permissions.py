"""DRF permission classes built on itops.roles and token scopes."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from itops.choices import Role, TokenScope
from itops.models import ApiToken
from itops.roles import has_role, is_staff_member


class TokenScopePermission(BasePermission):
    """A token may only do what its scopes allow; sessions are limited by role alone.

    Reads need `read`, writes need `write`. Views that need another scope (receivers need
    `ingest`, token administration needs `admin`) set `required_scope`.
    """

    message = "This API token's scopes do not allow this request."

    def has_permission(self, request, view):
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        scope = getattr(view, "required_scope", None)
        if scope is None:
            scope = TokenScope.READ if request.method in SAFE_METHODS else TokenScope.WRITE
        if not token.allows(scope):
            self.message = f"This API token lacks the '{scope}' scope."
            return False
        return True


class IsStaffMember(BasePermission):
    message = "Only agents, engineers, change managers and admins may use this endpoint."

    def has_permission(self, request, view):
        return is_staff_member(request.user)


def roles_permission(*roles: Role, read_roles: tuple[Role, ...] | None = None):
    """A permission class allowing `roles` to write and `read_roles` (default: staff) to read."""

    class RolePermission(BasePermission):
        message = "Your role does not allow this request."

        def has_permission(self, request, view):
            if request.method in SAFE_METHODS:
                if read_roles is None:
                    return is_staff_member(request.user)
                return has_role(request.user, *read_roles)
            return has_role(request.user, *roles)

    RolePermission.__name__ = "RolePermission_" + "_".join(role.value for role in roles)
    return RolePermission
