"""URL wiring: every app's pages, API and receivers (the one place that mounts them all)."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from itops import views

api_v1 = [
    path("", include("itops.api.urls")),
    path("", include("cmdb.api.urls")),
    path("", include("servicedesk.api.urls")),
    path("", include("servicedesk.knowledge.api_urls")),
    path("", include("servicedesk.notifications.api_urls")),
    path("", include("changes.api.urls")),
    path("", include("slas.api.urls")),
    path("", include("monitoring.api.urls")),
]

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("", views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("account/", views.account, name="account"),
    path("account/tokens/<int:pk>/revoke/", views.revoke_token, name="revoke-token"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    # Receivers first: their paths are fixed contracts for Prometheus, Telegraf and friends.
    path("", include("monitoring.receiver_urls")),
    path("api/v1/", include(api_v1)),
    path("cmdb/", include("cmdb.urls")),
    path("", include("servicedesk.urls")),
    path("kb/", include("servicedesk.knowledge.urls")),
    path("notifications/", include("servicedesk.notifications.urls")),
    path("changes/", include("changes.urls")),
    path("slas/", include("slas.urls")),
    path("ops/", include("monitoring.urls")),
]

handler400 = "itops.errors_views.bad_request"
handler403 = "itops.errors_views.permission_denied"
handler404 = "itops.errors_views.page_not_found"
handler500 = "itops.errors_views.server_error"
