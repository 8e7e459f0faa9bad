"""Django admin for CMDB reference data. CIs and relationships are changed on the CMDB pages
and through the API, where their rules (attribute schemas, no self-loops) and history apply;
the admin shows them read only."""

from django.contrib import admin

from cmdb.models import CIClass, ConfigurationItem, Location, Relationship
from itops.choices import Role
from itops.roles import has_role


class AdminRoleAdmin(admin.ModelAdmin):
    """Open to the admin role (itops.roles), not to Django model permissions."""

    def has_module_permission(self, request):
        return has_role(request.user, Role.ADMIN)

    def has_view_permission(self, request, obj=None):
        return has_role(request.user, Role.ADMIN)

    def has_add_permission(self, request):
        return has_role(request.user, Role.ADMIN)

    def has_change_permission(self, request, obj=None):
        return has_role(request.user, Role.ADMIN)

    def has_delete_permission(self, request, obj=None):
        return has_role(request.user, Role.ADMIN)


@admin.register(CIClass)
class CIClassAdmin(AdminRoleAdmin):
    list_display = ("name", "slug", "is_service", "icon")
    list_filter = ("is_service",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Location)
class LocationAdmin(AdminRoleAdmin):
    list_display = ("name", "kind", "parent")
    list_filter = ("kind",)
    search_fields = ("name",)


class ReadOnlyAdmin(AdminRoleAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ConfigurationItem)
class ConfigurationItemAdmin(ReadOnlyAdmin):
    list_display = ("name", "ci_class", "environment", "status", "criticality", "owner_team")
    list_filter = ("ci_class", "environment", "status", "criticality")
    search_fields = ("name", "monitoring_address")


@admin.register(Relationship)
class RelationshipAdmin(ReadOnlyAdmin):
    list_display = ("source", "type", "target", "created_at")
    list_filter = ("type",)
    search_fields = ("source__name", "target__name")
