from django.urls import path

from monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("", views.index, name="index"),
    path("explorer/", views.explorer, name="explorer"),
    path("explorer/metric-names/", views.explorer_metric_names, name="explorer-metric-names"),
]
