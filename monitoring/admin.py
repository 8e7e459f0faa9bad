from django.contrib import admin, messages

from monitoring.ingest import link_series_to_cis
from monitoring.models import MetricMetadata, Series, SeriesLinkRule


@admin.register(SeriesLinkRule)
class SeriesLinkRuleAdmin(admin.ModelAdmin):
    list_display = ("label", "pattern", "priority", "enabled", "description")
    list_editable = ("priority", "enabled")
    actions = ["relink_all_series"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self.message_user(
            request,
            "New series use this rule within a minute; existing series are linked by the "
            "scheduled link job, or now with the 'Relink all series' action.",
        )

    @admin.action(description="Relink all series with the current rules")
    def relink_all_series(self, request, queryset):
        changed = link_series_to_cis(relink=True)
        self.message_user(request, f"{changed} series changed their CI.", messages.SUCCESS)


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    """Read-only: series are created by ingestion."""

    list_display = ("metric", "labels", "ci", "last_seen", "is_stale", "metric_type")
    list_filter = ("is_stale", "metric_type")
    search_fields = ("metric",)
    list_select_related = ("ci",)
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(MetricMetadata)
class MetricMetadataAdmin(admin.ModelAdmin):
    list_display = ("family", "metric_type", "unit", "updated_at")
    search_fields = ("family",)
