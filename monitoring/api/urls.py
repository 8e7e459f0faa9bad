from rest_framework.routers import DefaultRouter

from monitoring.targets.api import TargetViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("targets", TargetViewSet, basename="target")

urlpatterns = router.urls
