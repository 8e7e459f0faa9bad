from itops.choices import Role
from itops.roles import has_role, is_staff_member, primary_role


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav": {
            "desk": is_staff_member(user),
            "cmdb": is_staff_member(user),
            "ops": has_role(user, Role.OPS_ENGINEER),
            "changes": is_staff_member(user),
            "admin": user.is_staff,
        },
        "user_role": primary_role(user),
    }
