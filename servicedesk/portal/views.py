"""Pages of the self-service portal under /portal/: thin views that parse, check access, call a
selector or a service, and render. Tickets are found through the one visibility selector, so
another person's ticket is a 404 whether it exists or not."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from itops.choices import Role
from itops.errors import Conflict, DomainError, InvalidTransition
from itops.roles import has_role, is_staff_member
from servicedesk import selectors, services
from servicedesk.catalog_forms import FormDefinitionError, build_catalog_form
from servicedesk.choices import FINAL_STATES, ApprovalState, TicketKind, TicketState
from servicedesk.knowledge.rendering import marked_snippet_html
from servicedesk.knowledge.search import snippet_for
from servicedesk.models import Ticket
from servicedesk.notifications import services as notifications
from servicedesk.portal import forms
from servicedesk.portal import selectors as portal
from servicedesk.portal import services as portal_services
from servicedesk.rendering import render_markdown
from servicedesk.services import CatalogAnswersInvalid

TICKETS_PER_PAGE = 25
HOME_TICKETS = 6


def uses_portal(user) -> bool:
    return has_role(user, Role.END_USER) or is_staff_member(user)


def portal_user_required(view):
    """Signed in (anonymous people go to the login page) with a service desk role."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not uses_portal(request.user):
            raise PermissionDenied("Your account has no role that may use the portal.")
        return view(request, *args, **kwargs)

    return wrapped


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _add_error(form, error: DomainError, *, fallback: str | None = None) -> None:
    field = error.field if error.field in form.fields else fallback
    form.add_error(field, error.message)


def _mark_invalid(*forms_to_mark) -> None:
    """Bootstrap shows a field as invalid by a class on its widget."""
    for form in forms_to_mark:
        if form is None or not form.is_bound:
            continue
        for name in form.errors:
            if name in form.fields:
                widget = form.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


def _ticket_url(ticket: Ticket) -> str:
    return reverse("servicedesk:portal-ticket", args=[ticket.number])


# --- home and search --------------------------------------------------------------------------


@login_required
@require_GET
def home(request):
    user = request.user
    if not uses_portal(user):
        # Where sign-in sends everyone who is not staff: say why there is nothing here.
        return render(request, "servicedesk/portal/no_role.html")
    context = {
        "open_tickets": portal.my_tickets(user=user, status="open")[:HOME_TICKETS],
        "awaiting": portal.awaiting_confirmation(user=user)[:HOME_TICKETS],
        "approvals": selectors.approvals_for(user=user)[:5],
        "popular": portal.popular_articles(user=user),
        "featured": portal.catalog_for(user=user)[:6],
        "counts": portal.counts(user=user),
        "section": "home",
    }
    return render(request, "servicedesk/portal/home.html", context)


@portal_user_required
@require_GET
def search(request):
    user = request.user
    text = request.GET.get("q", "").strip()[:200]
    articles = portal.search_articles(user=user, text=text) if text else []
    page = Paginator(articles, 10).get_page(request.GET.get("page"))
    for article in page:
        article.snippet_html = marked_snippet_html(snippet_for(article, text))
    context = {
        "query": text,
        "page": page,
        "items": portal.catalog_for(user=user, text=text)[:6] if text else [],
        "tickets": portal.my_tickets(user=user, status="all", text=text)[:5] if text else [],
        "counts": portal.counts(user=user),
        "section": "search",
    }
    return render(request, "servicedesk/portal/search.html", context)


# --- report a problem -------------------------------------------------------------------------


@portal_user_required
def report_incident(request):
    user = request.user
    cis = portal.reportable_cis(user=user)
    if request.method == "POST":
        form = forms.IncidentReportForm(request.POST, request.FILES, cis=cis)
        if form.is_valid():
            data = form.cleaned_data
            try:
                incident = portal_services.report_incident(
                    by=user,
                    short_description=data["short_description"],
                    description=data["description"],
                    urgency=data["urgency"],
                    uploads=data["attachments"],
                    **form.service_fields(),
                )
            except DomainError as error:
                _add_error(form, error)
            else:
                messages.success(
                    request,
                    f"{incident.number} is with the service desk. We will keep you posted here.",
                )
                return redirect(_ticket_url(incident))
    else:
        initial = {"short_description": request.GET.get("short_description", "")[:200]}
        follow_up = request.GET.get("follow_up", "").strip()[:20]
        if follow_up:
            initial["description"] = f"Follow-up to {follow_up}: "
        form = forms.IncidentReportForm(initial=initial, cis=cis)
    _mark_invalid(form)
    context = {
        "form": form,
        "suggestions": portal.suggest_articles(
            user=user, text=form["short_description"].value() or ""
        ),
        "counts": portal.counts(user=user),
        "section": "report",
    }
    return render(
        request,
        "servicedesk/portal/incident_form.html",
        context,
        status=400 if form.errors else 200,
    )


@portal_user_required
@require_GET
def suggest_articles(request):
    """Knowledge articles matching the short description as it is typed (htmx fragment)."""
    text = request.GET.get("short_description") or request.GET.get("q") or ""
    return render(
        request,
        "servicedesk/portal/inc/suggestions.html",
        {"suggestions": portal.suggest_articles(user=request.user, text=text), "query": text},
    )


# --- the catalog ------------------------------------------------------------------------------


@portal_user_required
@require_GET
def catalog(request):
    user = request.user
    categories = portal.catalog_categories(user=user)
    chosen = None
    key = request.GET.get("category", "")
    if key.isdigit():
        chosen = next((node.category for node in categories if node.category.pk == int(key)), None)
    text = request.GET.get("q", "").strip()[:200]
    context = {
        "categories": categories,
        "category": chosen,
        "query": text,
        "items": portal.catalog_for(user=user, category=chosen, text=text),
        "counts": portal.counts(user=user),
        "section": "catalog",
    }
    return render(request, "servicedesk/portal/catalog.html", context)


@portal_user_required
def catalog_item(request, pk: int):
    user = request.user
    item = selectors.get_catalog_item(user=user, key=pk)
    people = portal.order_for_choices(user=user)
    data = request.POST if request.method == "POST" else None
    order_form = forms.OrderForm(data, people=people, user=user, prefix="order")
    try:
        item_form = build_catalog_form(item, user=user, data=data)
    except FormDefinitionError:
        item_form = None
    if request.method == "POST" and item_form is not None:
        order_valid = order_form.is_valid()
        if item_form.is_valid() and order_valid:
            requested_for = order_form.cleaned_data["requested_for"]
            try:
                request_ticket = services.order_catalog_item(
                    item=item,
                    requester=user,
                    answers=item_form.answers,
                    on_behalf_of=None if requested_for.pk == user.pk else requested_for,
                    by=user,
                    description=order_form.cleaned_data["description"],
                )
            except CatalogAnswersInvalid as error:
                for name, problems in error.errors.items():
                    for problem in problems:
                        item_form.add_error(name if name in item_form.fields else None, problem)
            except DomainError as error:
                _add_error(order_form, error)
            except PermissionDenied as error:
                order_form.add_error("requested_for", str(error))
            else:
                messages.success(request, _ordered_message(request_ticket))
                return redirect(_ticket_url(request_ticket))
    _mark_invalid(order_form, item_form)
    invalid = request.method == "POST" and (
        item_form is None or item_form.errors or order_form.errors
    )
    context = {
        "item": item,
        "description_html": render_markdown(item.description),
        "item_form": item_form,
        "order_form": order_form,
        "manager": user.manager,
        "counts": portal.counts(user=user),
        "section": "catalog",
    }
    return render(
        request, "servicedesk/portal/catalog_item.html", context, status=400 if invalid else 200
    )


def _ordered_message(request_ticket: Ticket) -> str:
    if request_ticket.state == TicketState.PENDING_APPROVAL:
        return f"{request_ticket.number} is ordered and waits for approval."
    return f"{request_ticket.number} is ordered; the service desk is on it."


# --- my tickets -------------------------------------------------------------------------------


@portal_user_required
@require_GET
def ticket_list(request):
    user = request.user
    status = request.GET.get("status", "open")
    if status not in portal.STATUS_FILTERS:
        status = "open"
    kind = request.GET.get("kind", "")
    if kind not in (TicketKind.INCIDENT, TicketKind.REQUEST):
        kind = ""
    text = request.GET.get("q", "").strip()[:200]
    tickets = portal.my_tickets(user=user, status=status, kind=kind or None, text=text)
    page = Paginator(tickets, TICKETS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "status": status,
        "kind": kind,
        "query": text,
        "status_filters": portal.STATUS_FILTERS,
        "counts": portal.counts(user=user),
        "section": "tickets",
    }
    if _is_htmx(request) and request.headers.get("HX-Target") == "portal-ticket-results":
        return render(request, "servicedesk/portal/inc/ticket_results.html", context)
    return render(request, "servicedesk/portal/ticket_list.html", context)


def _ticket_page(request, ticket: Ticket, *, status: int = 200, **bound_forms):
    user = request.user
    ticket = portal.get_portal_ticket(user=user, number=ticket.number)  # fresh, after a write
    _mark_invalid(*(form for name, form in bound_forms.items() if name.endswith("_form")))
    actions = selectors.available_actions(ticket=ticket, user=user)
    context = {
        "ticket": ticket,
        "description_html": render_markdown(ticket.description),
        "timeline": portal.public_timeline(ticket=ticket, user=user),
        "attachments": portal.public_attachments(ticket=ticket, user=user),
        "is_caller": ticket.caller_id == user.pk,
        "may_close": "close" in actions,
        "may_reopen": "reopen" in actions,
        "reopen_until": services.reopen_deadline(ticket),
        "satisfaction": selectors.ticket_satisfaction(ticket),
        "may_rate": selectors.can_rate(ticket=ticket, user=user),
        "takes_updates": ticket.state not in FINAL_STATES,
        "comment_form": bound_forms.get("comment_form") or forms.CommentForm(),
        "attachment_form": bound_forms.get("attachment_form") or forms.AttachmentForm(),
        "reopen_form": bound_forms.get("reopen_form") or forms.ReopenForm(),
        "rating_form": bound_forms.get("rating_form") or forms.RatingForm(),
        "share_form": bound_forms.get("share_form") or forms.ShareForm(),
        "watchers": ticket.watchers.order_by("first_name", "last_name", "username"),
        "open_panel": bound_forms.get("open_panel", ""),
        "counts": portal.counts(user=user),
        "section": "tickets",
    }
    if ticket.kind == TicketKind.REQUEST:
        context["approvals"] = selectors.request_approvals(ticket)
        context["progress"] = selectors.fulfilment_progress(ticket)
        context["answers"] = selectors.request_answer_rows(ticket) if ticket.catalog_item else []
    return render(request, "servicedesk/portal/ticket_detail.html", context, status=status)


@portal_user_required
@require_GET
def ticket_detail(request, number: str):
    ticket = portal.get_portal_ticket(user=request.user, number=number)
    notifications.mark_ticket_read(ticket=ticket, user=request.user)
    return _ticket_page(request, ticket)


@portal_user_required
@require_GET
def ticket_activity(request, number: str):
    """The ticket's public timeline alone, for the page to refresh itself (htmx)."""
    ticket = portal.get_portal_ticket(user=request.user, number=number)
    context = {
        "ticket": ticket,
        "timeline": portal.public_timeline(ticket=ticket, user=request.user),
        "takes_updates": ticket.state not in FINAL_STATES,
    }
    return render(request, "servicedesk/portal/inc/timeline.html", context)


def _conflict_message(ticket: Ticket, error: Conflict) -> str:
    if isinstance(error, InvalidTransition):
        # The workflow's message names raw states; the person reading this wants plain words.
        return (
            f"{ticket.number} is {ticket.get_state_display().lower()} now, so this is no longer "
            "possible."
        )
    return error.message


def _posted_ticket_action(form_class, form_name: str):
    """A POST on the ticket page: a bound form checked, then `act(ticket, form, user)`; bad
    input re-renders the page with the form and its messages (400), a refusal because of the
    ticket's state with a message (409); success redirects (PRG)."""

    def decorator(act):
        @portal_user_required
        @require_POST
        @wraps(act)
        def view(request, number: str):
            ticket = portal.get_portal_ticket(user=request.user, number=number)
            form = form_class(request.POST, request.FILES)
            if form.is_valid():
                try:
                    message = act(ticket=ticket, form=form, user=request.user)
                except Conflict as error:
                    # The ticket moved on (closed, already rated): the form no longer applies.
                    messages.error(request, _conflict_message(ticket, error))
                    return _ticket_page(request, ticket, status=error.status_code)
                except DomainError as error:
                    _add_error(form, error)
                else:
                    messages.success(request, message)
                    return redirect(_ticket_url(ticket))
            return _ticket_page(
                request, ticket, status=400, **{form_name: form, "open_panel": form_name}
            )

        return view

    return decorator


@_posted_ticket_action(forms.CommentForm, "comment_form")
def ticket_comment(*, ticket, form, user):
    services.add_comment(ticket=ticket, author=user, body=form.cleaned_data["body"])
    return "Your comment was added."


@_posted_ticket_action(forms.AttachmentForm, "attachment_form")
def ticket_attach(*, ticket, form, user):
    files = portal_services.attach_files(ticket=ticket, uploads=form.cleaned_data["files"], by=user)
    names = ", ".join(attachment.filename for attachment in files)
    return f"Attached {names}."


@_posted_ticket_action(forms.ReopenForm, "reopen_form")
def ticket_reopen(*, ticket, form, user):
    services.reopen_ticket(ticket=ticket, reason=form.cleaned_data["reason"], by=user)
    return f"{ticket.number} is reopened; the service desk will look at it again."


@_posted_ticket_action(forms.RatingForm, "rating_form")
def ticket_rate(*, ticket, form, user):
    services.rate_resolution(
        ticket=ticket,
        rating=form.cleaned_data["rating"],
        comment=form.cleaned_data["comment"],
        by=user,
    )
    return "Thank you for rating the resolution."


@_posted_ticket_action(forms.ShareForm, "share_form")
def ticket_share(*, ticket, form, user):
    person = form.cleaned_data["person"]
    if person.pk == ticket.caller_id:
        raise DomainError(f"{person} is who the ticket is for already.", field="person")
    services.add_watcher(ticket=ticket, user=person, by=user)
    return f"{person} can now follow {ticket.number}."


@portal_user_required
@require_POST
def ticket_unshare(request, number: str, user_id: int):
    """The caller takes someone off the ticket, or a watcher takes themselves off."""
    ticket = portal.get_portal_ticket(user=request.user, number=number)
    person = ticket.watchers.filter(pk=user_id).first()
    if person is None:
        raise Http404("That person does not follow this ticket.")
    services.remove_watcher(ticket=ticket, user=person, by=request.user)
    if person.pk == request.user.pk and ticket.caller_id != request.user.pk:
        messages.success(request, f"You no longer follow {ticket.number}.")
        return redirect("servicedesk:portal-tickets")
    messages.success(request, f"{person} no longer follows {ticket.number}.")
    return redirect(_ticket_url(ticket))


@portal_user_required
@require_POST
def ticket_confirm(request, number: str):
    """ "Yes, it's fixed": the caller accepts the resolution and the ticket closes."""
    ticket = portal.get_portal_ticket(user=request.user, number=number)
    try:
        services.close_ticket(ticket=ticket, by=request.user)
    except Conflict as error:
        messages.error(request, _conflict_message(ticket, error))
    else:
        messages.success(request, f"Thanks for confirming: {ticket.number} is closed.")
    return redirect(_ticket_url(ticket))


# --- approvals --------------------------------------------------------------------------------


def _approvals_page(request, *, bound=None, status: int = 200):
    user = request.user
    pending = list(selectors.approvals_for(user=user))
    for approval in pending:
        approval.form = (
            bound if bound is not None and bound.approval_pk == approval.pk else None
        ) or forms.ApprovalDecisionForm(prefix=f"a{approval.pk}")
        approval.answers = selectors.request_answer_rows(approval.request)
    decided = selectors.approvals_for(user=user, state=None).exclude(state=ApprovalState.PENDING)
    context = {
        "pending": pending,
        "decided": decided[:20],
        "counts": portal.counts(user=user),
        "section": "approvals",
    }
    return render(request, "servicedesk/portal/approvals.html", context, status=status)


@portal_user_required
@require_GET
def approval_list(request):
    return _approvals_page(request)


@portal_user_required
@require_POST
def approval_decide(request, pk: int):
    approval = selectors.get_approval_for(user=request.user, pk=pk)
    form = forms.ApprovalDecisionForm(request.POST, prefix=f"a{approval.pk}")
    form.approval_pk = approval.pk
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            services.decide_approval(
                approval=approval,
                approve=approve,
                comment=form.cleaned_data["comment"],
                by=request.user,
            )
        except Conflict as error:
            # Decided already, or the request moved on: there is nothing left to decide.
            messages.error(request, error.message)
            return _approvals_page(request, status=error.status_code)
        except DomainError as error:
            _add_error(form, error)
        else:
            verb = "approved" if approve else "rejected"
            messages.success(request, f"You {verb} {approval.request.number}.")
            return redirect("servicedesk:portal-approvals")
    return _approvals_page(request, bound=form, status=400)
