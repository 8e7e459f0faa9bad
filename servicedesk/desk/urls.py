"""The agent console under /desk/. Names join the `servicedesk` namespace (servicedesk:desk,
servicedesk:desk-ticket, ...), since servicedesk/urls.py includes this without its own."""

from django.urls import path, register_converter

from servicedesk.desk import views


class TicketNumberConverter:
    """INC0001001, REQ0001001, PRB0001001 (any case); ids are not ticket page addresses."""

    regex = "[A-Za-z]{3}[0-9]{1,12}"

    def to_python(self, value: str) -> str:
        return value.upper()

    def to_url(self, value: str) -> str:
        return str(value)


register_converter(TicketNumberConverter, "ticket")

urlpatterns = [
    path("", views.queue, name="desk"),
    path("bulk/", views.bulk, name="desk-bulk"),
    path("filters/", views.saved_filter_create, name="desk-filter-create"),
    path("filters/<int:pk>/delete/", views.saved_filter_delete, name="desk-filter-delete"),
    path("new/", views.ticket_new, name="desk-new"),
    path("priority/", views.priority_preview, name="desk-priority"),
    path("search/", views.search, name="desk-search"),
    path("problems/candidates/", views.problem_candidates, name="desk-problem-candidates"),
    path("known-errors/", views.known_errors, name="desk-known-errors"),
    path("tasks/", views.fulfilment_tasks, name="desk-tasks"),
    path("tasks/<int:task_id>/<slug:verb>/", views.task_action, name="desk-task-action"),
    path("tickets/<ticket:number>/", views.ticket_detail, name="desk-ticket"),
    path("tickets/<ticket:number>/edit/", views.ticket_edit, name="desk-ticket-edit"),
    path("tickets/<ticket:number>/comment/", views.ticket_comment, name="desk-ticket-comment"),
    path("tickets/<ticket:number>/attach/", views.ticket_attach, name="desk-ticket-attach"),
    path("tickets/<ticket:number>/take/", views.ticket_take, name="desk-ticket-take"),
    path(
        "tickets/<ticket:number>/state/<slug:verb>/",
        views.ticket_transition,
        name="desk-ticket-transition",
    ),
    path(
        "tickets/<ticket:number>/problem/<slug:action>/",
        views.ticket_problem,
        name="desk-ticket-problem",
    ),
    path("tickets/<ticket:number>/parent/", views.ticket_parent, name="desk-ticket-parent"),
    path("tickets/<ticket:number>/links/", views.ticket_link, name="desk-ticket-link"),
    path(
        "tickets/<ticket:number>/links/<int:link_id>/remove/",
        views.ticket_unlink,
        name="desk-ticket-unlink",
    ),
    path(
        "tickets/<ticket:number>/watchers/<slug:action>/",
        views.ticket_watch,
        name="desk-ticket-watch",
    ),
    path("tickets/<ticket:number>/analysis/", views.problem_analysis, name="desk-problem-analysis"),
    path(
        "tickets/<ticket:number>/incidents/",
        views.problem_link_incident,
        name="desk-problem-link-incident",
    ),
    path(
        "tickets/<ticket:number>/approvals/<int:approval_id>/",
        views.approval_decide,
        name="desk-approval-decide",
    ),
    path(
        "tickets/<ticket:number>/known-error/",
        views.problem_known_error,
        name="desk-problem-known-error",
    ),
]
