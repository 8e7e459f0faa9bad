from django.shortcuts import render

from itops.choices import Role
from itops.roles import role_required


@role_required(Role.AGENT, Role.OPS_ENGINEER, Role.CHANGE_MANAGER)
def desk(request):
    return render(request, "servicedesk/desk.html")
