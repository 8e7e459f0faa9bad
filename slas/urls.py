from django.urls import path

from slas import views

app_name = "slas"

urlpatterns = [
    path("", views.index, name="index"),
]
