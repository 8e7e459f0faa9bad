from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from itops.models import ApiToken, PlatformState, Team, TeamMembership, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = BaseUserAdmin.fieldsets + (
        ("Organisation", {"fields": ("manager", "department", "job_title", "phone", "vip")}),
    )
    list_display = ("username", "email", "first_name", "last_name", "department", "is_active")


class TeamMembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "lead", "email")
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name", "slug")
    inlines = [TeamMembershipInline]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "scopes", "expires_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "digest", "created_at", "last_used_at")
    search_fields = ("name", "user__username", "prefix")


admin.site.register(PlatformState)
admin.site.site_header = "itops administration"
