from rest_framework.routers import DefaultRouter

from servicedesk.api import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("tickets", views.TicketViewSet, basename="ticket")
router.register("incidents", views.IncidentViewSet, basename="incident")
router.register("requests", views.RequestViewSet, basename="request")
router.register("problems", views.ProblemViewSet, basename="problem")
router.register("attachments", views.AttachmentViewSet, basename="attachment")

app_name = "servicedesk-api"
urlpatterns = router.urls
