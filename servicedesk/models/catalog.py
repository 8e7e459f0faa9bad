from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from servicedesk.choices import CatalogApproval, GroupApprovalMode, MemberSelection


class CatalogItem(models.Model):
    """Something people can request from the portal: its form, who approves, who fulfils.

    `form_definition` is a list of field definitions (name, label, type, required, choices);
    servicedesk.catalog_forms describes the format and checks it when the item is saved. The
    answers a requester gives are stored on the request (`Ticket.request_answers`). Approved
    (or approval-free) requests get one fulfilment task per task template.
    """

    name = models.CharField(max_length=150, unique=True)
    short_description = models.CharField(max_length=255, blank=True)
    description = models.TextField(blank=True, help_text="Markdown.")
    category = models.ForeignKey(
        "servicedesk.Category",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="catalog_items",
    )
    form_definition = models.JSONField(default=list, blank=True)
    approval = models.CharField(
        max_length=10, choices=CatalogApproval.choices, default=CatalogApproval.NONE
    )
    approval_group = models.ForeignKey(
        "itops.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="approved_catalog_items",
        help_text="Who approves when approval is by group, and when a requester has no manager.",
    )
    group_approval_mode = models.CharField(
        max_length=3,
        choices=GroupApprovalMode.choices,
        default=GroupApprovalMode.ANY,
        help_text="With approval by group: whether one member decides or all must approve.",
    )
    fulfilment_group = models.ForeignKey(
        "itops.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="fulfilled_catalog_items",
        help_text="The assignment group of new requests for this item.",
    )
    is_active = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=100)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self):
        return self.name

    def clean(self):
        from servicedesk.catalog_forms import FormDefinitionError, normalise_definition

        if self.approval == CatalogApproval.GROUP and self.approval_group_id is None:
            raise ValidationError({"approval_group": "Approval by group needs a group."})
        try:
            self.form_definition = normalise_definition(self.form_definition)
        except FormDefinitionError as error:
            raise ValidationError({"form_definition": error.messages}) from None


class CatalogTaskTemplate(models.Model):
    """One piece of fulfilment work a request for the item gets, for one team.

    Tasks run in `order`; a task that waits for the previous ones opens only when every task
    with a lower order is done or cancelled, tasks that do not wait open at once.
    """

    catalog_item = models.ForeignKey(
        CatalogItem, on_delete=models.CASCADE, related_name="task_templates"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, help_text="Markdown; instructions for the team.")
    team = models.ForeignKey("itops.Team", on_delete=models.PROTECT, related_name="task_templates")
    member_selection = models.CharField(
        max_length=20,
        choices=MemberSelection.choices,
        default=MemberSelection.NONE,
        help_text="Whether a member of the team is picked, and how.",
    )
    last_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    order = models.PositiveSmallIntegerField(default=10)
    wait_for_previous = models.BooleanField(
        default=False, help_text="Open only when every task with a lower order is finished."
    )

    class Meta:
        ordering = ["catalog_item", "order", "id"]
        verbose_name = "fulfilment task template"

    def __str__(self):
        return f"{self.order}. {self.title} ({self.team})"
