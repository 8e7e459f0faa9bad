from rest_framework.routers import DefaultRouter

from servicedesk.api import process_views, views

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
urlpatterns = router.urls
