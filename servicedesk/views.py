from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def portal(request):
    return render(request, "servicedesk/portal.html")
