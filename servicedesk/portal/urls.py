"""URLs of the portal, mounted at /portal/ inside the servicedesk namespace (so the nav's
`{% url 'servicedesk:portal' %}` is the portal's home)."""

from django.urls import path

from servicedesk.portal import views

TICKET = "tickets/<str:number>/"

urlpatterns = [
    path("", views.home, name="portal"),
    path("search/", views.search, name="portal-search"),
    path("report/", views.report_incident, name="portal-report"),
    path("report/suggest/", views.suggest_articles, name="portal-suggest"),
    path("catalog/", views.catalog, name="portal-catalog"),
    path("catalog/<int:pk>/", views.catalog_item, name="portal-catalog-item"),
    path("tickets/", views.ticket_list, name="portal-tickets"),
    path(TICKET, views.ticket_detail, name="portal-ticket"),
    path(TICKET + "activity/", views.ticket_activity, name="portal-ticket-activity"),
    path(TICKET + "comment/", views.ticket_comment, name="portal-ticket-comment"),
    path(TICKET + "attach/", views.ticket_attach, name="portal-ticket-attach"),
    path(TICKET + "confirm/", views.ticket_confirm, name="portal-ticket-confirm"),
    path(TICKET + "reopen/", views.ticket_reopen, name="portal-ticket-reopen"),
    path(TICKET + "rate/", views.ticket_rate, name="portal-ticket-rate"),
    path(TICKET + "share/", views.ticket_share, name="portal-ticket-share"),
    path(
        TICKET + "share/<int:user_id>/remove/",
        views.ticket_unshare,
        name="portal-ticket-unshare",
    ),
    path("approvals/", views.approval_list, name="portal-approvals"),
    path("approvals/<int:pk>/decide/", views.approval_decide, name="portal-approval-decide"),
]
