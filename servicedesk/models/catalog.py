from django.db import models

from servicedesk.choices import CatalogApproval


class CatalogItem(models.Model):
    """Something people can request from the portal: its form, who approves, who fulfils.

    `form_definition` is a list of field definitions (name, label, type, required, choices);
    the answers a requester gives are stored on the request (`Ticket.request_answers`).
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
        help_text="Who approves when approval is by group.",
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
        from django.core.exceptions import ValidationError

        if self.approval == CatalogApproval.GROUP and self.approval_group_id is None:
            raise ValidationError({"approval_group": "Approval by group needs a group."})
        if not isinstance(self.form_definition, list):
            raise ValidationError({"form_definition": "Must be a list of field definitions."})
