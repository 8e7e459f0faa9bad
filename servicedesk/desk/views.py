"""Pages of the agent console under /desk/: queues, the ticket page and its actions, new
incidents, problem management, fulfilment tasks and search. Staff only.

Views parse input, look tickets up through the visibility selector, call one service and
render; a refusal becomes an error on the page (status 400/409), never a half-done change.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from cmdb import selectors as cmdb_selectors
from itops.errors import DomainError
from itops.models import Team
from itops.roles import STAFF_ROLES, role_required
from servicedesk import selectors, services
from servicedesk.choices import (
    FINAL_STATES,
    LinkType,
    TicketKind,
    allowed_moves,
)
from servicedesk.desk import forms as f
from servicedesk.desk import queues
from servicedesk.desk import services as desk_services
from servicedesk.knowledge import selectors as kb_selectors
from servicedesk.models import Ticket, TicketLink
from servicedesk.notifications import services as notifications

staff_only = role_required(*STAFF_ROLES)
SEARCH_LIMIT = 20


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _ticket(request, number: str) -> Ticket:
    """The ticket by number through the visibility selector (404 if unseen or unknown)."""
    return selectors.get_visible_ticket(user=request.user, key=number)


def _error_text(error: Exception) -> str:
    return getattr(error, "message", None) or str(error)


# --- queues -------------------------------------------------------------------------------------


@staff_only
@require_GET
def queue(request):
    user = request.user
    params = request.GET
    queue_key = params.get("queue") or queues.DEFAULT_QUEUE
    if queue_key not in queues.QUEUE_BY_KEY:
        raise Http404("No such queue.")
    sort = params.get("sort") or queues.DEFAULT_SORT
    if sort not in queues.SORTS:
        sort = queues.DEFAULT_SORT
    filters = queues.filter_values(params)
    team_ids = queues.team_ids_of(user)
    status = 200
    error = None
    try:
        tickets = queues.queue_tickets(
            user=user, queue=queue_key, filters=filters, team_ids=team_ids
        )
        page = queues.keyset_page(
            tickets,
            sort=sort,
            after=params.get("after", ""),
            before=params.get("before", ""),
            size=queues.PAGE_SIZE,
        )
        total, exact = queues.capped_count(tickets)
    except ValidationError as invalid:
        error = "; ".join(
            f"{name}: {' '.join(messages_)}" for name, messages_ in invalid.message_dict.items()
        )
        page, total, exact, status = queues.KeysetPage(rows=[]), 0, True, 400

    base = params.copy()
    for name in ("after", "before"):
        base.pop(name, None)
    saved_id = params.get("saved", "")
    saved = (
        queues.saved_filters_for(user).filter(pk=int(saved_id)).first()
        if saved_id.isdigit()
        else None
    )
    context = {
        "saved": saved,
        "queue": queues.QUEUE_BY_KEY[queue_key],
        "queue_key": queue_key,
        "page": page,
        "total": total,
        "total_exact": exact,
        "sort": sort,
        "sorts": queues.SORT_LABELS,
        "filter_form": f.QueueFilterForm(params),
        "filters": filters,
        "error": error,
        "base_query": base.urlencode(),
        "bulk_form": f.BulkForm(auto_id="bulk_%s"),
        "sort_columns": _sort_columns(sort),
        "save_form": f.SavedFilterForm(initial={"query": queues_query(base)}),
    }
    if _is_htmx(request) and request.headers.get("HX-Target") == "desk-results":
        return render(request, "servicedesk/desk/inc/queue_results.html", context, status=status)
    context |= _sidebar(user, team_ids)
    return render(request, "servicedesk/desk/queue.html", context, status=status)


# Column header -> (sort when clicked first, its reverse); None: not sortable.
COLUMNS = [
    ("Number", ("number", "-number"), "8rem"),
    ("Short description", None, ""),
    ("Priority", ("priority", "-priority"), "8rem"),
    ("State", None, "8rem"),
    ("Group", None, ""),
    ("Assigned to", None, ""),
    ("Updated", ("-updated", "updated"), "7rem"),
    ("Opened", ("-opened", "opened"), "6rem"),
]


def _sort_columns(sort: str) -> list[dict]:
    columns = []
    for label, sorts, width in COLUMNS:
        column = {"label": label, "width": width, "sort": None, "active": ""}
        if sorts:
            first, second = sorts
            column["sort"] = second if sort == first else first
            if sort in sorts:
                column["active"] = "down" if sort == first else "up"
        columns.append(column)
    return columns


def queues_query(params) -> str:
    return desk_services.clean_query(params.urlencode())


def _sidebar(user, team_ids) -> dict:
    counts = queues.queue_counts(user=user, team_ids=team_ids)
    return {
        "queues": [(queue, counts.get(queue.key)) for queue in queues.QUEUES],
        "saved_filters": queues.saved_filters_for(user),
        "count_cap": queues.COUNT_CAP,
    }


@staff_only
@require_POST
def bulk(request):
    form = f.BulkForm(request.POST)
    back = request.POST.get("next") or reverse("servicedesk:desk")
    if not back.startswith("/desk/"):
        back = reverse("servicedesk:desk")
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, f"Bulk action: {message}")
        return redirect(back)
    data = form.cleaned_data
    tickets, missing = selectors.tickets_by_ids(user=request.user, ids=data["tickets"])
    try:
        if data["action"] == "assign":
            outcome = desk_services.bulk_assign(
                tickets=tickets,
                assignment_group=data["assignment_group"],
                assignee=data["assignee"],
                by=request.user,
                all_or_nothing=data["all_or_nothing"],
            )
        else:
            outcome = desk_services.bulk_change_state(
                tickets=tickets,
                to=data["state"],
                on_hold_reason=data["on_hold_reason"],
                resolution_code=data["resolution_code"],
                resolution_notes=data["resolution_notes"],
                by=request.user,
                all_or_nothing=data["all_or_nothing"],
            )
    except DomainError as error:
        messages.error(request, f"Bulk action: {error.message}")
        return redirect(back)
    if missing:
        messages.error(request, f"{len(missing)} selected ticket(s) no longer exist.")
    if outcome.applied:
        numbers = ", ".join(ticket.number for ticket in outcome.applied)
        messages.success(request, f"Updated {len(outcome.applied)} ticket(s): {numbers}.")
    if outcome.rolled_back:
        messages.warning(
            request,
            f"Nothing was changed: {len(outcome.refused)} ticket(s) refused and you asked for "
            "all or nothing.",
        )
    for ticket, reason in outcome.refused:
        messages.error(request, f"{ticket.number}: {reason}")
    return redirect(back)


@staff_only
@require_POST
def saved_filter_create(request):
    form = f.SavedFilterForm(request.POST)
    query = request.POST.get("query", "")
    if form.is_valid():
        try:
            saved = desk_services.create_saved_filter(
                owner=request.user,
                name=form.cleaned_data["name"],
                query=form.cleaned_data["query"],
                is_shared=form.cleaned_data["is_shared"],
            )
        except DomainError as error:
            messages.error(request, f"Filter not saved: {error.message}")
        else:
            messages.success(request, f"Saved filter {saved.name!r}.")
            return redirect(f"{reverse('servicedesk:desk')}?{saved.query}&saved={saved.pk}")
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, f"Filter not saved: {message}")
    return redirect(f"{reverse('servicedesk:desk')}?{desk_services.clean_query(query)}")


@staff_only
@require_POST
def saved_filter_delete(request, pk: int):
    saved = get_object_or_404(queues.saved_filters_for(request.user), pk=pk)
    desk_services.delete_saved_filter(saved_filter=saved, by=request.user)
    messages.success(request, f"Deleted saved filter {saved.name!r}.")
    return redirect("servicedesk:desk")


# --- the ticket page ------------------------------------------------------------------------------


TRANSITION_VERBS = {
    "start": ("Start work", "play-fill", "btn-outline-primary"),
    "hold": ("On hold", "pause-fill", "btn-outline-warning"),
    "resolve": ("Resolve", "check2-circle", "btn-success"),
    "reopen": ("Reopen", "arrow-counterclockwise", "btn-outline-secondary"),
    "close": ("Close", "lock", "btn-outline-secondary"),
    "cancel": ("Cancel ticket", "x-circle", "btn-outline-danger"),
}


def _transitions(ticket: Ticket, user) -> list[dict]:
    """The state buttons: only moves the kind's table allows from the current state."""
    actions = selectors.available_actions(ticket=ticket, user=user)
    return [
        {"verb": verb, "label": label, "icon": icon, "css": css}
        for verb, (label, icon, css) in TRANSITION_VERBS.items()
        if verb in actions
    ]


def _detail_context(request, ticket: Ticket, **bound) -> dict:
    user = request.user
    is_open = ticket.state not in FINAL_STATES
    context = {
        "ticket": ticket,
        "is_open": is_open,
        # Newest first, like the activity stream agents know.
        "timeline": list(reversed(selectors.ticket_timeline(ticket=ticket, user=user))),
        "attachments": selectors.attachments_for(ticket=ticket, user=user),
        "transitions": _transitions(ticket, user),
        "allowed_states": sorted(allowed_moves(ticket.kind, ticket.state)),
        "watchers": ticket.watchers.order_by("first_name", "username"),
        "children": selectors.ticket_list(user=user)
        .filter(parent_id=ticket.pk)
        .select_related("assignee")
        .order_by("-opened_at"),
        "links": selectors.ticket_links(ticket),
        "link_types": LinkType.choices,
        "link_prefixes": sorted(desk_services.link_resolvers()),
        "edit_form": bound.get("edit_form") or f.TicketEditForm(ticket=ticket),
        "comment_form": bound.get("comment_form") or f.CommentForm(),
        "hold_form": bound.get("hold_form") or f.HoldForm(),
        "resolve_form": bound.get("resolve_form") or f.ResolveForm(kind=ticket.kind),
        "reason_form": bound.get("reason_form") or f.ReasonForm(),
        "cancel_form": bound.get("cancel_form") or f.CancelForm(),
        "watcher_form": f.WatcherForm(),
        "open_modal": bound.get("open_modal", ""),
        "action_errors": bound.get("action_errors", []),
        "priority_preview_url": reverse("servicedesk:desk-priority"),
    }
    if ticket.kind == TicketKind.INCIDENT:
        context["known_error"] = selectors.known_error_for_incident(ticket)
        context["matching_known_errors"] = (
            selectors.matching_known_errors(ticket) if context["known_error"] is None else []
        )
        context["candidate"] = selectors.candidate_group_for(ticket)
        context["parent"] = ticket.parent
    if ticket.kind in (TicketKind.INCIDENT, TicketKind.REQUEST):
        context["problem"] = ticket.problem
    if ticket.kind == TicketKind.REQUEST:
        context["approvals"] = selectors.request_approvals(ticket)
        context["tasks"] = selectors.request_tasks(ticket)
        context["progress"] = selectors.fulfilment_progress(ticket)
        context["answers"] = selectors.request_answer_rows(ticket)
        context["teams"] = Team.objects.all()
        context["assignable"] = f.staff_users()
    if ticket.kind == TicketKind.PROBLEM:
        context["incidents"] = selectors.problem_incidents(ticket)
        context["analysis_form"] = bound.get("analysis_form") or f.ProblemAnalysisForm(
            initial={"root_cause": ticket.root_cause, "workaround": ticket.workaround}
        )
    return context


def _render_detail(request, ticket, *, status: int = 200, **bound):
    ticket = selectors.get_visible_ticket(user=request.user, key=ticket.pk)
    return render(
        request,
        "servicedesk/desk/ticket_detail.html",
        _detail_context(request, ticket, **bound),
        status=status,
    )


def _refused(request, ticket, error: Exception, *, form=None, name: str = "", modal: str = ""):
    """Re-render the ticket page with the refusal on the form (or as a page error)."""
    status = getattr(error, "status_code", 403 if isinstance(error, PermissionDenied) else 400)
    bound = {"open_modal": modal}
    if form is not None and isinstance(error, DomainError):
        f.add_domain_error(form, error)
        bound[name] = form
    bound["action_errors"] = [_error_text(error)]
    return _render_detail(request, ticket, status=status, **bound)


def _invalid(request, ticket, form, name: str, modal: str = ""):
    """Re-render the ticket page with a form's errors, each named by its field's label."""
    errors = []
    for field, messages_ in form.errors.items():
        text = " ".join(messages_)
        if field in form.fields:
            label = form.fields[field].label or field.replace("_", " ").capitalize()
            text = f"{label}: {text}"
        errors.append(text)
    return _render_detail(
        request, ticket, status=400, action_errors=errors, open_modal=modal, **{name: form}
    )


def _done(request, ticket, message: str):
    messages.success(request, message)
    return redirect("servicedesk:desk-ticket", number=ticket.number)


@staff_only
@require_GET
def ticket_detail(request, number: str):
    ticket = _ticket(request, number)
    notifications.mark_ticket_read(ticket=ticket, user=request.user)
    return _render_detail(request, ticket)


@staff_only
@require_GET
def priority_preview(request):
    """The priority impact and urgency give, for the edit form's live hint."""
    try:
        priority = services.priority_for(
            impact=int(request.GET.get("impact", 0)), urgency=int(request.GET.get("urgency", 0))
        )
    except (DomainError, ValueError):
        return render(request, "servicedesk/desk/inc/priority_badge.html", {"priority": None})
    return render(request, "servicedesk/desk/inc/priority_badge.html", {"priority": priority})


@staff_only
@require_POST
def ticket_edit(request, number: str):
    ticket = _ticket(request, number)
    form = f.TicketEditForm(request.POST, ticket=ticket)
    if not form.is_valid():
        return _invalid(request, ticket, form, "edit_form")
    try:
        ticket = desk_services.save_ticket(
            ticket=ticket,
            changes=form.changes(),
            assignment_group=form.cleaned_data["assignment_group"],
            assignee=form.cleaned_data["assignee"],
            by=request.user,
        )
    except (DomainError, PermissionDenied) as error:
        return _refused(request, ticket, error, form=form, name="edit_form")
    return _done(request, ticket, f"{ticket.number} saved.")


@staff_only
@require_POST
def ticket_comment(request, number: str):
    ticket = _ticket(request, number)
    form = f.CommentForm(request.POST, request.FILES)
    if not form.is_valid():
        return _invalid(request, ticket, form, "comment_form")
    internal = form.cleaned_data["internal"]
    try:
        desk_services.post_comment(
            ticket=ticket,
            body=form.cleaned_data["body"],
            internal=internal,
            upload=form.cleaned_data.get("file"),
            by=request.user,
        )
    except (DomainError, PermissionDenied) as error:
        return _refused(request, ticket, error, form=form, name="comment_form")
    return _done(request, ticket, "Work note added." if internal else "Comment added.")


@staff_only
@require_POST
def ticket_attach(request, number: str):
    ticket = _ticket(request, number)
    form = f.AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        return _invalid(request, ticket, form, "attachment_form")
    try:
        attachment = services.add_attachment(
            ticket=ticket, upload=form.cleaned_data["file"], by=request.user
        )
    except (DomainError, PermissionDenied) as error:
        return _refused(request, ticket, error)
    return _done(request, ticket, f"Attached {attachment.filename}.")


@staff_only
@require_POST
def ticket_take(request, number: str):
    ticket = _ticket(request, number)
    try:
        ticket = desk_services.take_ticket(ticket=ticket, by=request.user)
    except (DomainError, PermissionDenied) as error:
        return _refused(request, ticket, error)
    return _done(request, ticket, f"{ticket.number} is assigned to you.")


@staff_only
@require_POST
def ticket_transition(request, number: str, verb: str):
    ticket = _ticket(request, number)
    user = request.user
    if verb not in TRANSITION_VERBS:
        raise Http404("No such action.")
    try:
        if verb == "start":
            ticket = services.start_ticket(ticket=ticket, by=user)
        elif verb == "close":
            ticket = services.close_ticket(ticket=ticket, by=user)
        elif verb == "cancel":
            form = f.CancelForm(request.POST)
            form.is_valid()
            ticket = services.cancel_ticket(
                ticket=ticket, by=user, reason=form.cleaned_data.get("reason", "")
            )
        elif verb == "hold":
            form = f.HoldForm(request.POST)
            if not form.is_valid():
                return _invalid(request, ticket, form, "hold_form", modal="hold")
            ticket = services.hold_ticket(
                ticket=ticket,
                reason=form.cleaned_data["reason"],
                comment=form.cleaned_data["comment"],
                by=user,
            )
        elif verb == "reopen":
            form = f.ReasonForm(request.POST)
            if not form.is_valid():
                return _invalid(request, ticket, form, "reason_form", modal="reopen")
            ticket = services.reopen_ticket(
                ticket=ticket, reason=form.cleaned_data["reason"], by=user
            )
        else:
            return _resolve(request, ticket)
    except (DomainError, PermissionDenied) as error:
        return _refused(request, ticket, error)
    return _done(request, ticket, f"{ticket.number} is now {ticket.get_state_display().lower()}.")


def _resolve(request, ticket: Ticket):
    form = f.ResolveForm(request.POST, kind=ticket.kind)
    if not form.is_valid():
        return _invalid(request, ticket, form, "resolve_form", modal="resolve")
    data = form.cleaned_data
    try:
        if ticket.kind == TicketKind.PROBLEM:
            outcome = services.resolve_problem(
                problem=ticket,
                resolution_code=data["resolution_code"],
                resolution_notes=data["resolution_notes"],
                root_cause=data["root_cause"] or None,
                resolve_incidents=data["resolve_incidents"],
                incident_note=data["incident_note"] or data["resolution_notes"],
                by=request.user,
            )
            for incident, reason in outcome.refused:
                messages.error(request, f"{incident.number} not resolved: {reason}")
            if outcome.resolved:
                numbers = ", ".join(incident.number for incident in outcome.resolved)
                messages.success(request, f"Resolved incidents: {numbers}.")
            ticket = outcome.problem
        else:
            ticket = services.resolve_ticket(
                ticket=ticket,
                resolution_code=data["resolution_code"],
                resolution_notes=data["resolution_notes"],
                by=request.user,
            )
    except (DomainError, PermissionDenied) as error:
        return _refused(request, ticket, error, form=form, name="resolve_form", modal="resolve")
    return _done(request, ticket, f"{ticket.number} is resolved.")


def _numbered_ticket(request, number: str, *, kind: str | None = None) -> Ticket:
    """A ticket named in a form, as the agent may see it; DomainError if there is none."""
    try:
        return selectors.get_visible_ticket(user=request.user, key=number, kind=kind)
    except Http404:
        what = TicketKind(kind).label.lower() if kind else "ticket"
        raise DomainError(f"There is no {what} {number or '(empty)'}.", field="number") from None


@staff_only
@require_POST
def ticket_problem(request, number: str, action: str):
    """Link to a problem by number, open a problem from this incident, or unlink."""
    ticket = _ticket(request, number)
    try:
        if action == "link":
            form = f.TicketNumberForm(request.POST)
            if not form.is_valid():
                return _invalid(request, ticket, form, "problem_form")
            problem = _numbered_ticket(
                request, form.cleaned_data["number"], kind=TicketKind.PROBLEM
            )
            if ticket.kind == TicketKind.INCIDENT:
                services.link_incident_to_problem(incident=ticket, problem=problem, by=request.user)
            else:
                services.set_problem(ticket=ticket, problem=problem, by=request.user)
            return _done(request, ticket, f"Linked to {problem.number}.")
        if action == "create":
            problem = services.create_problem_from_incidents(incidents=[ticket], by=request.user)
            messages.success(request, f"Opened {problem.number} from {ticket.number}.")
            return redirect("servicedesk:desk-ticket", number=problem.number)
        if action == "unlink":
            if ticket.kind == TicketKind.INCIDENT:
                services.unlink_incident(incident=ticket, by=request.user)
            else:
                services.set_problem(ticket=ticket, problem=None, by=request.user)
            return _done(request, ticket, "Unlinked from the problem.")
    except (DomainError, PermissionDenied) as error:
        return _refused(request, ticket, error)
    raise Http404("No such action.")


@staff_only
@require_POST
def ticket_parent(request, number: str):
    ticket = _ticket(request, number)
    wanted = request.POST.get("number", "").strip().upper()
    try:
        parent = _numbered_ticket(request, wanted, kind=TicketKind.INCIDENT) if wanted else None
        ticket = services.set_parent_incident(ticket=ticket, parent=parent, by=request.user)
    except (DomainError, PermissionDenied) as error:
        return _refused(request, ticket, error)
    return _done(
        request, ticket, f"Parent set to {parent.number}." if parent else "Parent removed."
    )


@staff_only
@require_POST
def ticket_link(request, number: str):
    ticket = _ticket(request, number)
    link_type = request.POST.get("link_type") or LinkType.RELATED
    try:
        desk_services.link_record(
            ticket=ticket,
            number=request.POST.get("number", ""),
            link_type=link_type,
            by=request.user,
        )
    except (DomainError, PermissionDenied) as error:
        return _refused(request, ticket, error)
    return _done(request, ticket, "Link added.")


@staff_only
@require_POST
def ticket_unlink(request, number: str, link_id: int):
    ticket = _ticket(request, number)
    link = get_object_or_404(TicketLink, ticket=ticket, pk=link_id)
    try:
        services.remove_link(link=link, by=request.user)
    except (DomainError, PermissionDenied) as error:
        return _refused(request, ticket, error)
    return _done(request, ticket, "Link removed.")


@staff_only
@require_POST
def ticket_watch(request, number: str, action: str):
    ticket = _ticket(request, number)
    try:
        if action == "add":
            form = f.WatcherForm(request.POST)
            if not form.is_valid():
                return _invalid(request, ticket, form, "watcher_form")
            user = form.cleaned_data["user"]
            services.add_watcher(ticket=ticket, user=user, by=request.user)
            return _done(request, ticket, f"{user} now watches {ticket.number}.")
        if action == "me":
            services.add_watcher(ticket=ticket, user=request.user, by=request.user)
            return _done(request, ticket, f"You now watch {ticket.number}.")
        if action == "remove":
            user = get_object_or_404(ticket.watchers, pk=request.POST.get("user") or 0)
            services.remove_watcher(ticket=ticket, user=user, by=request.user)
            return _done(request, ticket, f"{user} no longer watches {ticket.number}.")
    except (DomainError, PermissionDenied) as error:
        return _refused(request, ticket, error)
    raise Http404("No such action.")


@staff_only
@require_POST
def problem_analysis(request, number: str):
    ticket = _ticket(request, number)
    if ticket.kind != TicketKind.PROBLEM:
        raise Http404("Only problems have an analysis.")
    form = f.ProblemAnalysisForm(request.POST)
    if not form.is_valid():
        return _invalid(request, ticket, form, "analysis_form")
    try:
        services.record_problem_analysis(
            problem=ticket,
            root_cause=form.cleaned_data["root_cause"],
            workaround=form.cleaned_data["workaround"],
            by=request.user,
        )
    except (DomainError, PermissionDenied) as error:
        return _refused(request, ticket, error, form=form, name="analysis_form")
    return _done(request, ticket, "Analysis saved.")


@staff_only
@require_POST
def problem_known_error(request, number: str):
    ticket = _ticket(request, number)
    if ticket.kind != TicketKind.PROBLEM:
        raise Http404("Only problems become known errors.")
    try:
        if request.POST.get("known_error") == "1":
            services.mark_known_error(problem=ticket, by=request.user)
            message = f"{ticket.number} is published as a known error."
        else:
            services.unmark_known_error(problem=ticket, by=request.user)
            message = f"{ticket.number} is no longer a known error."
    except (DomainError, PermissionDenied) as error:
        return _refused(request, ticket, error)
    return _done(request, ticket, message)


@staff_only
@require_POST
def approval_decide(request, number: str, approval_id: int):
    """The agent's own approval on a request, decided from the request's page."""
    ticket = _ticket(request, number)
    approval = selectors.get_approval_for(user=request.user, pk=approval_id)
    if approval.request_id != ticket.pk:
        raise Http404("No such approval on this request.")
    approve = request.POST.get("decision") == "approve"
    try:
        services.decide_approval(
            approval=approval,
            approve=approve,
            comment=request.POST.get("comment", ""),
            by=request.user,
        )
    except (DomainError, PermissionDenied) as error:
        return _refused(request, ticket, error)
    return _done(request, ticket, "Approved." if approve else "Rejected.")


@staff_only
@require_POST
def problem_link_incident(request, number: str):
    """Attribute an incident to this problem, from the problem's page."""
    problem = _ticket(request, number)
    if problem.kind != TicketKind.PROBLEM:
        raise Http404("Only problems collect incidents.")
    wanted = request.POST.get("number", "").strip().upper()
    try:
        incident = _numbered_ticket(request, wanted, kind=TicketKind.INCIDENT)
        services.link_incident_to_problem(incident=incident, problem=problem, by=request.user)
    except (DomainError, PermissionDenied) as error:
        return _refused(request, problem, error)
    return _done(request, problem, f"{incident.number} is linked to {problem.number}.")


TASK_VERBS = ("start", "complete", "cancel", "assign")


@staff_only
@require_POST
def task_action(request, task_id: int, verb: str):
    task = selectors.get_visible_task(user=request.user, key=task_id)
    if verb not in TASK_VERBS:
        raise Http404("No such action.")
    request_ticket = _ticket(request, task.request.number)
    note = request.POST.get("note", "")
    try:
        if verb == "start":
            services.start_task(task=task, by=request.user)
        elif verb == "complete":
            services.complete_task(task=task, note=note, by=request.user)
        elif verb == "cancel":
            services.cancel_task(task=task, reason=note, by=request.user)
        else:
            form = f.TaskAssignForm(request.POST)
            if not form.is_valid():
                return _invalid(request, request_ticket, form, "task_assign_form")
            services.assign_task(
                task=task,
                team=form.cleaned_data["team"],
                assignee=form.cleaned_data["assignee"],
                by=request.user,
            )
    except (DomainError, PermissionDenied) as error:
        if request.POST.get("next") == "tasks":
            messages.error(request, f"{task.number}: {_error_text(error)}")
            return redirect("servicedesk:desk-tasks")
        return _refused(request, request_ticket, error)
    messages.success(request, f"{task.number} updated.")
    if request.POST.get("next") == "tasks":
        return redirect("servicedesk:desk-tasks")
    return redirect("servicedesk:desk-ticket", number=request_ticket.number)


# --- new incident ---------------------------------------------------------------------------------


@staff_only
def ticket_new(request):
    form = f.NewIncidentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = services.open_incident(
                by=request.user,
                caller=data["caller"],
                short_description=data["short_description"],
                description=data["description"],
                impact=data["impact"],
                urgency=data["urgency"],
                category=data["category"],
                subcategory=data["subcategory"],
                configuration_item=data["configuration_item"],
                business_service=data["business_service"],
                assignment_group=data["assignment_group"],
                assignee=data["assignee"],
                source=data["source"],
                is_major_incident=data["is_major_incident"],
            )
        except (DomainError, PermissionDenied) as error:
            if isinstance(error, DomainError):
                f.add_domain_error(form, error)
            else:
                form.add_error(None, str(error))
        else:
            messages.success(request, f"Opened {ticket.number} for {ticket.caller}.")
            return redirect("servicedesk:desk-ticket", number=ticket.number)
    status = 400 if request.method == "POST" else 200
    return render(request, "servicedesk/desk/ticket_new.html", {"form": form}, status=status)


# --- problem management and fulfilment ------------------------------------------------------------


@staff_only
def problem_candidates(request):
    if request.method == "POST":
        ids = [int(value) for value in request.POST.getlist("incidents") if value.isdigit()]
        incidents, _missing = selectors.tickets_by_ids(
            user=request.user, ids=ids, kind=TicketKind.INCIDENT
        )
        try:
            problem = services.create_problem_from_incidents(
                incidents=[incident.as_kind() for incident in incidents],
                short_description=request.POST.get("short_description", ""),
                by=request.user,
            )
        except (DomainError, PermissionDenied) as error:
            messages.error(request, _error_text(error))
            return redirect("servicedesk:desk-problem-candidates")
        messages.success(request, f"Opened {problem.number} with {len(incidents)} incident(s).")
        return redirect("servicedesk:desk-ticket", number=problem.number)
    return render(
        request,
        "servicedesk/desk/problem_candidates.html",
        {"candidates": selectors.problem_candidates()},
    )


@staff_only
@require_GET
def known_errors(request):
    text = request.GET.get("q", "").strip()
    entries = selectors.known_errors(user=request.user, q=text)[:100]
    return render(
        request, "servicedesk/desk/known_errors.html", {"entries": entries, "query": text}
    )


TASK_SCOPES = [
    ("teams", "My teams"),
    ("unassigned", "Unassigned in my teams"),
    ("mine", "Assigned to me"),
    ("all", "All teams"),
]


@staff_only
@require_GET
def fulfilment_tasks(request):
    team_ids = queues.team_ids_of(request.user)
    scope = request.GET.get("scope", "teams")
    state = request.GET.get("state", "active")
    filters = {"state": state}
    if scope == "mine":
        filters["assignee"] = "me"
    try:
        tasks = selectors.fulfilment_task_list(user=request.user, filters=filters)
    except ValidationError as invalid:
        messages.error(request, "; ".join(invalid.messages))
        return redirect("servicedesk:desk-tasks")
    if scope == "teams":
        tasks = tasks.filter(team_id__in=team_ids)
    elif scope == "unassigned":
        tasks = tasks.filter(team_id__in=team_ids, assignee__isnull=True)
    return render(
        request,
        "servicedesk/desk/tasks.html",
        {
            "tasks": tasks.order_by("created_at", "id")[:200],
            "scope": scope,
            "state": state,
            "scopes": TASK_SCOPES,
            "teams": Team.objects.all(),
            "assignable": f.staff_users(),
        },
    )


# --- search -------------------------------------------------------------------------------------


@staff_only
@require_GET
def search(request):
    text = request.GET.get("q", "").strip()[:200]
    context = {"query": text, "tickets": [], "cis": [], "articles": []}
    if text:
        exact = selectors.ticket_list(user=request.user).filter(number__iexact=text).first()
        if exact is not None and not _is_htmx(request):
            return redirect("servicedesk:desk-ticket", number=exact.number)
        # The visibility scope and the full-text search (ranked on PostgreSQL) in one selector.
        context["tickets"] = list(
            selectors.ticket_list(user=request.user, filters={"q": text})[:SEARCH_LIMIT]
        )
        context["cis"] = list(
            cmdb_selectors.ci_list(user=request.user, filters={"search": text}).select_related(
                "ci_class", "owner_team"
            )[:SEARCH_LIMIT]
        )
        context["articles"] = list(
            kb_selectors.search_articles(user=request.user, text=text)[:SEARCH_LIMIT]
        )
    return render(request, "servicedesk/desk/search.html", context)
