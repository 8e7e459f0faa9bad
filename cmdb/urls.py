from django.urls import path

from cmdb import views

app_name = "cmdb"

urlpatterns = [
    path("", views.ci_list, name="index"),
    path("cis/new/", views.ci_create, name="ci-create"),
    path("cis/<int:pk>/", views.ci_detail, name="ci-detail"),
    path("cis/<int:pk>/edit/", views.ci_edit, name="ci-edit"),
    path("cis/<int:pk>/retire/", views.ci_retire, name="ci-retire"),
    path("cis/<int:pk>/relationships/", views.relationship_add, name="relationship-add"),
    path("relationships/<int:pk>/remove/", views.relationship_remove, name="relationship-remove"),
    path("services/", views.service_list, name="service-list"),
    path("services/<int:pk>/", views.service_detail, name="service-detail"),
    path("import/", views.ci_import, name="import"),
]
