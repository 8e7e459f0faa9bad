from django.urls import include, path

from servicedesk import views

app_name = "servicedesk"

urlpatterns = [
    path("desk/", views.desk, name="desk"),
    path("portal/", include("servicedesk.portal.urls")),
]
