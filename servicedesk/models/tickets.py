from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone

from servicedesk.choices import (
    DONE_STATES,
    NUMBER_START,
    TRANSITIONS,
    Impact,
    OnHoldReason,
    Priority,
    ResolutionCode,
    TicketKind,
    TicketSource,
    TicketState,
    Urgency,
)

# The condition of the partial indexes behind the open queues.
OPEN_ONLY = ~models.Q(state__in=sorted(DONE_STATES))


class TicketQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(state__in=DONE_STATES)

    def of_kind(self, kind: str):
        return self.filter(kind=kind)


class TicketKindManager(models.Manager.from_queryset(TicketQuerySet)):
    """The manager of a proxy kind: only tickets of that kind."""

    def __init__(self, kind: str):
        super().__init__()
        self.kind = kind

    def get_queryset(self):
        return super().get_queryset().filter(kind=self.kind)

    def deconstruct(self):
        # Managers are not serialised into migrations (no use_in_migrations), but keep the
        # signature honest for Django's checks.
        return (False, f"{self.__module__}.{type(self).__name__}", None, (self.kind,), {})


class Ticket(models.Model):
    """One row per incident, service request or problem (see `kind`).

    Kind-specific fields (root cause for problems, catalog answers for requests) live on the
    same row, empty for the other kinds, so queues and pagination over every kind stay one
    indexed query.
    """

    kind = models.CharField(max_length=10, choices=TicketKind.choices)
    number = models.CharField(max_length=16, unique=True, editable=False)
    state = models.CharField(max_length=20, choices=TicketState.choices, default=TicketState.NEW)

    caller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="called_tickets",
        db_index=False,  # covered by ticket_caller_idx
        help_text="Who the ticket is for. Empty for problems and for monitoring incidents.",
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opened_tickets",
    )
    source = models.CharField(
        max_length=12, choices=TicketSource.choices, default=TicketSource.DESK
    )

    configuration_item = models.ForeignKey(
        "cmdb.ConfigurationItem",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        verbose_name="affected CI",
    )
    business_service = models.ForeignKey(
        "cmdb.ConfigurationItem",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="service_tickets",
    )
    category = models.ForeignKey(
        "servicedesk.Category",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    subcategory = models.ForeignKey(
        "servicedesk.Category",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subcategory_tickets",
    )

    short_description = models.CharField(max_length=200)
    description = models.TextField(blank=True, help_text="Markdown.")

    impact = models.PositiveSmallIntegerField(choices=Impact.choices, default=Impact.LOW)
    urgency = models.PositiveSmallIntegerField(choices=Urgency.choices, default=Urgency.LOW)
    priority = models.PositiveSmallIntegerField(
        choices=Priority.choices,
        default=Priority.PLANNING,
        help_text="Derived from impact and urgency through the priority matrix.",
    )

    assignment_group = models.ForeignKey(
        "itops.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
        db_index=False,  # covered by ticket_group_state_idx
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
        db_index=False,  # covered by ticket_assignee_state_idx
    )

    on_hold_reason = models.CharField(max_length=20, choices=OnHoldReason.choices, blank=True)
    resolution_code = models.CharField(max_length=24, choices=ResolutionCode.choices, blank=True)
    resolution_notes = models.TextField(blank=True)

    opened_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    is_major_incident = models.BooleanField(default=False)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
        help_text="The parent incident this one is a child of.",
    )
    problem = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="related_tickets",
        limit_choices_to={"kind": TicketKind.PROBLEM},
        help_text="The problem record this ticket is attributed to.",
    )
    watchers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="watched_tickets"
    )

    # Problems
    root_cause = models.TextField(blank=True)
    workaround = models.TextField(blank=True)
    is_known_error = models.BooleanField(default=False)
    known_error_at = models.DateTimeField(
        null=True, blank=True, help_text="When the problem was published as a known error."
    )

    # Service requests
    catalog_item = models.ForeignKey(
        "servicedesk.CatalogItem",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="requests",
    )
    request_answers = models.JSONField(default=dict, blank=True)

    # Full-text document (number, short description, description, public comments), kept up to
    # date by the services on PostgreSQL; unused on SQLite, which searches with icontains.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(impact__gte=1, impact__lte=3), name="ticket_impact_1_to_3"
            ),
            models.CheckConstraint(
                condition=models.Q(urgency__gte=1, urgency__lte=3), name="ticket_urgency_1_to_3"
            ),
            models.CheckConstraint(
                condition=models.Q(priority__gte=1, priority__lte=5),
                name="ticket_priority_1_to_5",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=TicketKind.values), name="ticket_kind_known"
            ),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("id")), name="ticket_not_own_parent"
            ),
        ]
        indexes = [
            models.Index(fields=["-opened_at", "-id"], name="ticket_opened_idx"),
            models.Index(fields=["kind", "state", "-opened_at"], name="ticket_kind_state_idx"),
            models.Index(fields=["assignment_group", "state"], name="ticket_group_state_idx"),
            models.Index(fields=["assignee", "state"], name="ticket_assignee_state_idx"),
            models.Index(fields=["caller", "-opened_at"], name="ticket_caller_idx"),
            models.Index(fields=["state", "resolved_at"], name="ticket_resolved_idx"),
            models.Index(fields=["state", "priority"], name="ticket_state_priority_idx"),
            # The agent console's sort orders, each ending in the id for keyset pagination;
            # the partial ones serve the open queues, which are what agents look at all day.
            models.Index(fields=["-updated_at", "-id"], name="ticket_updated_idx"),
            models.Index(
                fields=["priority", "-opened_at", "-id"], name="ticket_priority_opened_idx"
            ),
            models.Index(
                fields=["-opened_at", "-id"], condition=OPEN_ONLY, name="ticket_open_opened_idx"
            ),
            models.Index(
                fields=["-updated_at", "-id"], condition=OPEN_ONLY, name="ticket_open_updated_idx"
            ),
            models.Index(
                fields=["priority", "-opened_at", "-id"],
                condition=OPEN_ONLY,
                name="ticket_open_priority_idx",
            ),
            models.Index(
                fields=["assignment_group", "-updated_at", "-id"],
                condition=OPEN_ONLY,
                name="ticket_open_group_idx",
            ),
            models.Index(
                fields=["assignee", "-updated_at", "-id"],
                condition=OPEN_ONLY,
                name="ticket_open_assignee_idx",
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.short_description}"

    def save(self, *args, **kwargs):
        kind = getattr(type(self), "KIND", None)
        if not self.kind and kind:
            self.kind = kind
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.state not in DONE_STATES

    @property
    def allowed_states(self) -> list[str]:
        return sorted(TRANSITIONS[self.kind].get(self.state, ()))

    def as_kind(self) -> "Ticket":
        """This row as an instance of its proxy class (Incident, ServiceRequest or Problem)."""
        proxy = PROXY_BY_KIND.get(self.kind)
        if proxy is not None and type(self) is not proxy:
            self.__class__ = proxy
        return self


class Incident(Ticket):
    KIND = TicketKind.INCIDENT
    objects = TicketKindManager(TicketKind.INCIDENT)

    class Meta:
        proxy = True


class ServiceRequest(Ticket):
    KIND = TicketKind.REQUEST
    objects = TicketKindManager(TicketKind.REQUEST)

    class Meta:
        proxy = True
        verbose_name = "service request"


class Problem(Ticket):
    KIND = TicketKind.PROBLEM
    objects = TicketKindManager(TicketKind.PROBLEM)

    class Meta:
        proxy = True


PROXY_BY_KIND: dict[str, type[Ticket]] = {
    TicketKind.INCIDENT: Incident,
    TicketKind.REQUEST: ServiceRequest,
    TicketKind.PROBLEM: Problem,
}


class TicketNumberSequence(models.Model):
    """The last number handed out for one kind. Services bump it with a single
    `UPDATE ... SET last_value = last_value + 1 ... RETURNING`, whose row lock serialises
    concurrent openings until commit, so numbers are unique and (as a rollback undoes the bump)
    gapless."""

    kind = models.CharField(max_length=10, choices=TicketKind.choices, primary_key=True)
    last_value = models.PositiveBigIntegerField(default=NUMBER_START)

    class Meta:
        verbose_name = "ticket number sequence"

    def __str__(self):
        return f"{self.get_kind_display()}: {self.last_value}"
