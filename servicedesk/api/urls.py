from django.urls import URLPattern
from rest_framework.routers import DefaultRouter

from servicedesk.api import process_views, views
from servicedesk.api.threads import on_api_threads

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("tickets", views.TicketViewSet, basename="ticket")
router.register("incidents", views.IncidentViewSet, basename="incident")
# Requests and problems with the catalog process's and problem management's actions.
router.register("requests", process_views.RequestViewSet, basename="request")
router.register("problems", process_views.ProblemViewSet, basename="problem")
router.register("attachments", views.AttachmentViewSet, basename="attachment")
router.register("catalog-items", process_views.CatalogItemViewSet, basename="catalog-item")
router.register("approvals", process_views.RequestApprovalViewSet, basename="approval")
router.register("fulfilment-tasks", process_views.FulfilmentTaskViewSet, basename="fulfilment-task")
router.register("known-errors", process_views.KnownErrorViewSet, basename="known-error")
router.register(
    "problem-candidates", process_views.ProblemCandidateViewSet, basename="problem-candidate"
)

app_name = "servicedesk-api"

# The ticket resources (the API's hot path) run on the long-lived API threads.
POOLED_PREFIXES = ("tickets", "incidents", "requests", "problems")
urlpatterns = [
    URLPattern(url.pattern, on_api_threads(url.callback), url.default_args, url.name)
    if str(url.pattern).lstrip("^").startswith(POOLED_PREFIXES)
    else url
    for url in router.urls
]
