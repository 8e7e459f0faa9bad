"""Receivers at fixed paths (see the external contracts in DESIGN.md)."""

from django.urls import path, re_path

from monitoring.receivers import influxdb, pushgateway, views

urlpatterns = [
    path("api/v1/write", views.remote_write_view, name="remote-write"),
    path("api/v1/ingest/metrics", views.json_metrics_view, name="ingest-json-metrics"),
    path("metrics", views.platform_metrics_view, name="platform-metrics"),
    path("api/v2/write", influxdb.influxdb_v2_write_view, name="influxdb-v2-write"),
    path("write", influxdb.influxdb_v1_write_view, name="influxdb-v1-write"),
    re_path(
        r"^metrics/(?P<grouping_path>job(?:@base64)?/.+)$",
        pushgateway.pushgateway_view,
        name="pushgateway",
    ),
]
