from django.conf import settings
from django.db import models

from servicedesk.choices import (
    NUMBER_DIGITS,
    NUMBER_START,
    ApprovalSource,
    ApprovalState,
    TaskState,
)

TASK_NUMBER_PREFIX = "TASK"


class RequestApproval(models.Model):
    """One person's say on one service request: the requester's manager, or one member of the
    catalog item's approval group (a row per member)."""

    request = models.ForeignKey(
        "servicedesk.Ticket", on_delete=models.CASCADE, related_name="approvals"
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="request_approvals"
    )
    source = models.CharField(max_length=10, choices=ApprovalSource.choices)
    group = models.ForeignKey(
        "itops.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="request_approvals",
        help_text="The approval group this approver was asked as a member of.",
    )
    state = models.CharField(
        max_length=12, choices=ApprovalState.choices, default=ApprovalState.PENDING
    )
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "request approval"
        constraints = [
            models.UniqueConstraint(fields=["request", "approver"], name="one_approval_per_person"),
        ]
        indexes = [
            models.Index(fields=["approver", "state"], name="approval_approver_state_idx"),
        ]

    def __str__(self):
        return f"{self.get_state_display()}: {self.approver} on request {self.request_id}"

    @property
    def is_pending(self) -> bool:
        return self.state == ApprovalState.PENDING


class FulfilmentTask(models.Model):
    """A piece of work that fulfils a service request, done by one team (TASK0001001)."""

    request = models.ForeignKey(
        "servicedesk.Ticket", on_delete=models.CASCADE, related_name="fulfilment_tasks"
    )
    template = models.ForeignKey(
        "servicedesk.CatalogTaskTemplate",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    team = models.ForeignKey(
        "itops.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="fulfilment_tasks",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="fulfilment_tasks",
    )
    order = models.PositiveSmallIntegerField(default=10)
    wait_for_previous = models.BooleanField(default=False)
    state = models.CharField(max_length=12, choices=TaskState.choices, default=TaskState.OPEN)
    close_notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(
        null=True, blank=True, help_text="When the task stopped waiting and could be worked."
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    finished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["request", "order", "id"]
        verbose_name = "fulfilment task"
        indexes = [
            models.Index(fields=["team", "state"], name="task_team_state_idx"),
            models.Index(fields=["assignee", "state"], name="task_assignee_state_idx"),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    @property
    def number(self) -> str:
        if self.pk is None:
            return f"{TASK_NUMBER_PREFIX}-new"
        return f"{TASK_NUMBER_PREFIX}{NUMBER_START + self.pk:0{NUMBER_DIGITS}d}"

    @classmethod
    def pk_from_number(cls, key: str | int) -> int | None:
        """The id behind `42` or `TASK0001042` (None for anything else)."""
        text = str(key).strip().upper()
        if text.isdigit():
            return int(text)
        digits = text.removeprefix(TASK_NUMBER_PREFIX)
        if text.startswith(TASK_NUMBER_PREFIX) and digits.isdigit():
            value = int(digits) - NUMBER_START
            return value if value > 0 else None
        return None
