from django.urls import include, path

app_name = "servicedesk"

urlpatterns = [
    path("desk/", include("servicedesk.desk.urls")),
    path("portal/", include("servicedesk.portal.urls")),
]
