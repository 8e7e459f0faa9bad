"""Receivers at fixed paths (see the external contracts in DESIGN.md)."""

from django.urls import path

from monitoring.receivers import views

urlpatterns = [
    path("api/v1/write", views.remote_write_view, name="remote-write"),
    path("api/v1/ingest/metrics", views.json_metrics_view, name="ingest-json-metrics"),
    path("metrics", views.platform_metrics_view, name="platform-metrics"),
]
