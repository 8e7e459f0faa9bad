"""Pages of the notifications under /notifications/: the list, the bell's dropdown, marking
read. Everyone signed in has notifications; each person only their own."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from itops.errors import DomainError
from servicedesk.models import Notification
from servicedesk.notifications import selectors, services

PER_PAGE = 25
FILTERS = [("unread", "Unread"), ("all", "All")]


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _own_notification(request, pk: int) -> Notification:
    try:
        return selectors.get_notification_for(user=request.user, pk=pk)
    except Notification.DoesNotExist:
        raise Http404("No such notification.") from None


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


@login_required
@require_GET
def notification_list(request):
    show = request.GET.get("show", "all")
    if show not in dict(FILTERS):
        show = "all"
    rows = selectors.notifications_for(user=request.user, unread_only=show == "unread")
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "servicedesk/notifications/notification_list.html",
        {
            "page": page,
            "show": show,
            "filters": FILTERS,
            "unread_total": selectors.unread_count(user=request.user),
        },
    )


@login_required
@require_GET
def notification_dropdown(request):
    return render(
        request,
        "servicedesk/notifications/inc/menu_items.html",
        {"notifications": selectors.recent_notifications(user=request.user)},
    )


@login_required
@require_GET
def notification_open(request, pk: int):
    """Follow a notification: it counts as read."""
    notification = services.mark_read(
        notification=_own_notification(request, pk), user=request.user
    )
    target = notification.url
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return redirect("notifications:list")
    return redirect(target)


@login_required
@require_POST
def notification_read(request, pk: int):
    notification = services.mark_read(
        notification=_own_notification(request, pk), user=request.user
    )
    if _is_htmx(request):
        return render(
            request,
            "servicedesk/notifications/inc/notification_row.html",
            {"notification": notification},
        )
    return redirect(_safe_next(request, "notifications:list"))


@login_required
@require_POST
def notification_read_all(request):
    services.mark_all_read(user=request.user)
    if _is_htmx(request):
        return render(
            request,
            "servicedesk/notifications/inc/menu_items.html",
            {"notifications": selectors.recent_notifications(user=request.user)},
        )
    return redirect(_safe_next(request, "notifications:list"))


@login_required
@require_http_methods(["GET", "POST"])
def email_settings(request):
    """Which ticket events email me; the bell shows its notifications either way."""
    if request.method == "POST":
        wanted = request.POST.getlist("events")
        try:
            services.set_email_preferences(user=request.user, wanted=wanted)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Email settings saved.")
            return redirect("notifications:settings")
    return render(
        request,
        "servicedesk/notifications/email_settings.html",
        {"preferences": selectors.email_preferences(user=request.user)},
    )
