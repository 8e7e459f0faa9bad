from rest_framework.routers import DefaultRouter

from cmdb.api import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("cis", views.ConfigurationItemViewSet, basename="ci")
router.register("services", views.ServiceViewSet, basename="service")
router.register("relationships", views.RelationshipViewSet, basename="relationship")
router.register("ci-classes", views.CIClassViewSet, basename="ci-class")
router.register("locations", views.LocationViewSet, basename="location")

urlpatterns = router.urls
