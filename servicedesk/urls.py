from django.urls import path

from servicedesk import views

app_name = "servicedesk"

urlpatterns = [
    path("desk/", views.desk, name="desk"),
    path("portal/", views.portal, name="portal"),
]
