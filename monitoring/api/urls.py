from django.urls import path
from rest_framework.routers import DefaultRouter

from monitoring.api import metrics
from monitoring.targets.api import TargetViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("targets", TargetViewSet, basename="target")

urlpatterns = router.urls + [
    path("metrics/series", metrics.SeriesView.as_view(), name="metrics-series"),
    path("metrics/query_range", metrics.QueryRangeView.as_view(), name="metrics-query-range"),
    path("metrics/names", metrics.MetricNamesView.as_view(), name="metrics-names"),
    path(
        "metrics/labels/<str:name>/values",
        metrics.LabelValuesView.as_view(),
        name="metrics-label-values",
    ),
]
