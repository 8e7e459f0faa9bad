from django.shortcuts import render

from itops.choices import Role
from itops.roles import role_required


@role_required(Role.OPS_ENGINEER)
def index(request):
    return render(request, "monitoring/index.html")
