from django.urls import path

from monitoring import views, views_targets

app_name = "monitoring"

urlpatterns = [
    path("", views.index, name="index"),
    path("explorer/", views.explorer, name="explorer"),
    path("explorer/metric-names/", views.explorer_metric_names, name="explorer-metric-names"),
    path("targets/", views_targets.target_list, name="target-list"),
    path("targets/rows/", views_targets.target_rows, name="target-rows"),
    path("targets/new/", views_targets.target_create, name="target-create"),
    path("targets/discover/", views_targets.target_discover, name="target-discover"),
    path("targets/<int:pk>/", views_targets.target_detail, name="target-detail"),
    path("targets/<int:pk>/edit/", views_targets.target_edit, name="target-edit"),
    path("targets/<int:pk>/run/", views_targets.target_run, name="target-run"),
    path("targets/<int:pk>/delete/", views_targets.target_delete, name="target-delete"),
]
