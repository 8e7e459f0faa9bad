"""Admin: the desk's configuration (matrix, categories, rules, catalog) is edited here; tickets
are shown read-mostly, since their changes must go through the services' state tables."""

from django.contrib import admin

from servicedesk.models import (
    AssignmentRule,
    Attachment,
    CatalogItem,
    Category,
    Comment,
    PriorityMatrixCell,
    Ticket,
    TicketLink,
    TicketNumberSequence,
)


@admin.register(PriorityMatrixCell)
class PriorityMatrixCellAdmin(admin.ModelAdmin):
    list_display = ("impact", "urgency", "priority")
    list_editable = ("priority",)
    list_display_links = None
    ordering = ("impact", "urgency")


class SubcategoryInline(admin.TabularInline):
    model = Category
    fk_name = "parent"
    extra = 1
    fields = ("name", "description", "order", "is_active")
    verbose_name = "subcategory"
    verbose_name_plural = "subcategories"


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("__str__", "parent", "order", "is_active")
    list_filter = ("is_active", ("parent", admin.EmptyFieldListFilter))
    list_editable = ("order", "is_active")
    search_fields = ("name", "parent__name")
    inlines = [SubcategoryInline]

    def get_inlines(self, request, obj):
        # Only top categories hold subcategories.
        return self.inlines if obj is None or obj.parent_id is None else []


@admin.register(AssignmentRule)
class AssignmentRuleAdmin(admin.ModelAdmin):
    list_display = (
        "order",
        "name",
        "is_active",
        "kind",
        "category",
        "configuration_item",
        "business_service",
        "assignment_group",
        "use_ci_owner_team",
        "member_selection",
    )
    list_display_links = ("name",)
    list_editable = ("order", "is_active")
    list_filter = ("is_active", "kind", "member_selection", "assignment_group")
    search_fields = ("name",)
    autocomplete_fields = ("category", "assignment_group")
    # Raw ids: the CMDB's admin (which autocomplete needs) is the CMDB's business.
    raw_id_fields = ("configuration_item", "business_service")
    fieldsets = (
        (None, {"fields": ("name", "order", "is_active")}),
        (
            "Matches tickets with (empty matches anything)",
            {"fields": ("kind", "category", "configuration_item", "business_service")},
        ),
        (
            "Assigns to",
            {"fields": ("assignment_group", "use_ci_owner_team", "member_selection")},
        ),
    )


@admin.register(CatalogItem)
class CatalogItemAdmin(admin.ModelAdmin):
    list_display = ("name", "category", "approval", "fulfilment_group", "is_active", "order")
    list_editable = ("is_active", "order")
    list_filter = ("is_active", "approval", "category")
    search_fields = ("name", "short_description")
    autocomplete_fields = ("category", "approval_group", "fulfilment_group")


class CommentInline(admin.TabularInline):
    model = Comment
    extra = 0
    fields = ("created_at", "author", "visibility", "body")
    readonly_fields = fields
    can_delete = False


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ("filename", "content_type", "size", "uploaded_by", "uploaded_at", "comment")
    readonly_fields = fields
    can_delete = False


class TicketLinkInline(admin.TabularInline):
    model = TicketLink
    extra = 0
    fields = ("link_type", "content_type", "object_id", "created_by", "created_at")
    readonly_fields = fields
    can_delete = False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Read-only: state, assignment and numbering are only changed through the services."""

    list_display = (
        "number",
        "kind",
        "short_description",
        "state",
        "priority",
        "assignment_group",
        "assignee",
        "caller",
        "opened_at",
    )
    list_filter = ("kind", "state", "priority", "source", "is_major_incident", "assignment_group")
    search_fields = ("number", "short_description", "caller__username")
    date_hierarchy = "opened_at"
    list_select_related = ("assignment_group", "assignee", "caller")
    show_full_result_count = False
    inlines = [CommentInline, AttachmentInline, TicketLinkInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(TicketNumberSequence)
class TicketNumberSequenceAdmin(admin.ModelAdmin):
    list_display = ("kind", "last_value")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
