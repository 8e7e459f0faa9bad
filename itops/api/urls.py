from rest_framework.routers import DefaultRouter

from itops.api import views

router = DefaultRouter()
router.register("users", views.UserViewSet, basename="user")
router.register("teams", views.TeamViewSet, basename="team")
router.register("tokens", views.ApiTokenViewSet, basename="token")
router.register("audit", views.AuditEntryViewSet, basename="audit")

urlpatterns = router.urls
