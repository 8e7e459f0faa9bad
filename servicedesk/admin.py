"""Admin: the desk's configuration (matrix, categories, rules, catalog) is edited here; tickets
are shown read-mostly, since their changes must go through the services' state tables."""

import json

from django import forms
from django.contrib import admin
from django.db.models import Count
from django.utils.html import format_html

from cmdb.admin import AdminRoleAdmin, ReadOnlyAdmin
from itops.choices import Role
from itops.roles import has_role
from servicedesk.catalog_forms import FORM_DEFINITION_HELP, FormDefinitionError, build_catalog_form
from servicedesk.models import (
    AssignmentRule,
    Attachment,
    CatalogItem,
    CatalogTaskTemplate,
    Category,
    Comment,
    FulfilmentTask,
    PriorityMatrixCell,
    RequestApproval,
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


class AdminRoleInline(admin.TabularInline):
    """Open to the admin role, like AdminRoleAdmin."""

    def has_view_permission(self, request, obj=None):
        return has_role(request.user, Role.ADMIN)

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission


class CatalogTaskTemplateInline(AdminRoleInline):
    model = CatalogTaskTemplate
    extra = 1
    fields = ("order", "title", "team", "member_selection", "wait_for_previous", "description")
    verbose_name = "fulfilment task"
    verbose_name_plural = (
        "fulfilment tasks (created when a request is approved or needs no approval)"
    )


class FormDefinitionWidget(forms.Textarea):
    """The form definition as indented JSON, so admins edit one question per block."""

    def format_value(self, value):
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                return value
        return json.dumps(value or [], indent=2, ensure_ascii=False)


class CatalogItemAdminForm(forms.ModelForm):
    class Meta:
        model = CatalogItem
        fields = [
            "name",
            "short_description",
            "description",
            "category",
            "is_active",
            "order",
            "form_definition",
            "approval",
            "approval_group",
            "group_approval_mode",
            "fulfilment_group",
        ]
        widgets = {
            "form_definition": FormDefinitionWidget(
                attrs={"rows": 24, "cols": 90, "style": "font-family: monospace"}
            )
        }
        help_texts = {"form_definition": FORM_DEFINITION_HELP}


@admin.register(CatalogItem)
class CatalogItemAdmin(AdminRoleAdmin):
    """Open to the admin role. Teams and categories are plain selects: their own admins are
    the platform's and the desk's business."""

    form = CatalogItemAdminForm
    list_display = (
        "name",
        "category",
        "approval",
        "fulfilment_group",
        "question_count",
        "task_count",
        "is_active",
        "order",
    )
    list_editable = ("is_active", "order")
    list_filter = ("is_active", "approval", "category")
    search_fields = ("name", "short_description")
    readonly_fields = ("form_preview",)
    inlines = [CatalogTaskTemplateInline]
    fieldsets = (
        (None, {"fields": ("name", "short_description", "description", "category")}),
        ("Visibility", {"fields": ("is_active", "order")}),
        ("Form", {"fields": ("form_definition", "form_preview")}),
        (
            "Approval",
            {"fields": ("approval", "approval_group", "group_approval_mode")},
        ),
        ("Fulfilment", {"fields": ("fulfilment_group",)}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(templates=Count("task_templates"))

    @admin.display(description="questions")
    def question_count(self, item):
        return len(item.form_definition) if isinstance(item.form_definition, list) else 0

    @admin.display(description="tasks", ordering="templates")
    def task_count(self, item):
        return item.templates

    @admin.display(description="preview (as saved)")
    def form_preview(self, item):
        if item is None or item.pk is None:
            return "Save the item to see its form."
        try:
            form = build_catalog_form(item, user=None)
        except FormDefinitionError as error:
            return format_html("<strong>The saved form is broken:</strong> {}", error)
        if not form.fields:
            return "This item asks no questions."
        return format_html('<div class="catalog-form-preview">{}</div>', form.as_div())


@admin.register(RequestApproval)
class RequestApprovalAdmin(ReadOnlyAdmin):
    """Read only: approvals are decided by their approvers through the services."""

    list_display = ("request", "approver", "source", "group", "state", "created_at", "decided_at")
    list_filter = ("state", "source")
    search_fields = ("request__number", "approver__username")
    list_select_related = ("request", "approver", "group")


@admin.register(FulfilmentTask)
class FulfilmentTaskAdmin(ReadOnlyAdmin):
    """Read only: tasks move through the fulfilment services' state table."""

    list_display = ("number", "title", "request", "team", "assignee", "state", "created_at")
    list_filter = ("state", "team")
    search_fields = ("title", "request__number")
    list_select_related = ("request", "team", "assignee")


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
