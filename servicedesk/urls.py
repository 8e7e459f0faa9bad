from django.urls import include, path

from servicedesk import views

app_name = "servicedesk"

urlpatterns = [
    path("desk/", include("servicedesk.desk.urls")),
    path("portal/", views.portal, name="portal"),
]
