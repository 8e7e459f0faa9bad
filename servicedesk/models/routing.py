from django.conf import settings
from django.db import models

from servicedesk.choices import MemberSelection, TicketKind


class AssignmentRule(models.Model):
    """Routes new tickets: the first active rule (by `order`) whose criteria all match wins.

    Criteria left empty match anything, so a rule with none is a catch-all. The rule assigns
    its `assignment_group`, or the affected CI's owner team when `use_ci_owner_team` is set
    (such a rule only matches tickets whose CI has an owner team), and may pick a member.
    """

    name = models.CharField(max_length=100, unique=True)
    order = models.PositiveIntegerField(default=100)
    is_active = models.BooleanField(default=True)

    kind = models.CharField(
        max_length=10, choices=TicketKind.choices, blank=True, help_text="Empty: every kind."
    )
    category = models.ForeignKey(
        "servicedesk.Category",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="assignment_rules",
        help_text="Matches the ticket's category or subcategory.",
    )
    configuration_item = models.ForeignKey(
        "cmdb.ConfigurationItem",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="assignment_rules",
    )
    business_service = models.ForeignKey(
        "cmdb.ConfigurationItem",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="service_assignment_rules",
    )

    assignment_group = models.ForeignKey(
        "itops.Team",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="assignment_rules",
    )
    use_ci_owner_team = models.BooleanField(
        default=False, help_text="Assign to the owner team of the ticket's affected CI."
    )
    member_selection = models.CharField(
        max_length=12, choices=MemberSelection.choices, default=MemberSelection.NONE
    )
    # Round-robin position: the member picked last by this rule.
    last_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(assignment_group__isnull=False)
                | models.Q(use_ci_owner_team=True),
                name="assignment_rule_has_target",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.assignment_group_id is None and not self.use_ci_owner_team:
            raise ValidationError("A rule assigns to a group or to the CI's owner team: pick one.")
