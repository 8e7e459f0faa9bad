from django.contrib import admin

from monitoring.targets.models import CheckTemplate, Target


@admin.register(CheckTemplate)
class CheckTemplateAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "ci_class",
        "kind",
        "scheme",
        "port",
        "path",
        "interval_seconds",
        "enabled",
    )
    list_filter = ("kind", "enabled", "ci_class")


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "address", "enabled", "health", "last_run_at", "source")
    list_filter = ("kind", "health", "enabled", "source")
    search_fields = ("name", "address", "job")
    readonly_fields = Target.RUN_STATE_FIELDS
