from django.shortcuts import render

from itops.roles import STAFF_ROLES, role_required


@role_required(*STAFF_ROLES)
def index(request):
    return render(request, "changes/index.html")
