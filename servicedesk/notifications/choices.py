"""Vocabularies of notifications and inbound email."""

from django.db import models


class NotificationKind(models.TextChoices):
    """What an in-app notification is about; also the events of the emails."""

    ASSIGNED_TO_ME = "assigned_to_me", "Assigned to me"
    ASSIGNED_TO_GROUP = "assigned_to_group", "Assigned to my group"
    CALLER_REPLIED = "caller_replied", "Caller replied"
    APPROVAL_REQUESTED = "approval_requested", "Approval requested"
    APPROVAL_DECIDED = "approval_decided", "Approval decided"
    TASK_ASSIGNED = "task_assigned", "Fulfilment task"
    WORK_NOTE = "work_note", "Work note"
    SLA_WARNING = "sla_warning", "SLA warning"
    SLA_BREACHED = "sla_breached", "SLA breached"
    OTHER = "other", "Other"


# Bootstrap icon per kind, for the bell and the list page.
KIND_ICONS = {
    NotificationKind.ASSIGNED_TO_ME: "person-check",
    NotificationKind.ASSIGNED_TO_GROUP: "people",
    NotificationKind.CALLER_REPLIED: "reply",
    NotificationKind.APPROVAL_REQUESTED: "check2-square",
    NotificationKind.APPROVAL_DECIDED: "clipboard-check",
    NotificationKind.TASK_ASSIGNED: "list-check",
    NotificationKind.WORK_NOTE: "journal-text",
    NotificationKind.SLA_WARNING: "hourglass-split",
    NotificationKind.SLA_BREACHED: "exclamation-octagon",
    NotificationKind.OTHER: "bell",
}


class TicketEvent(models.TextChoices):
    """What the notify task is told happened (from servicedesk.signals)."""

    OPENED = "ticket_opened", "Ticket opened"
    ASSIGNED = "assigned", "Ticket assigned"
    COMMENT = "comment", "Public comment"
    WORK_NOTE = "work_note", "Work note"
    RESOLVED = "resolved", "Ticket resolved"
    APPROVAL_REQUESTED = "approval_requested", "Approval requested"
    APPROVAL_DECIDED = "approval_decided", "Approval decided"
    TASK_ASSIGNED = "task_assigned", "Fulfilment task assigned"


class EmailEvent(models.TextChoices):
    """The ticket events that send email."""

    TICKET_OPENED = "ticket_opened", "Ticket received"
    ASSIGNED = "assigned", "Ticket assigned"
    AGENT_COMMENTED = "agent_commented", "Comment from the service desk"
    CALLER_COMMENTED = "caller_commented", "Reply from the caller"
    WORK_NOTE = "work_note", "Work note from a colleague"
    RESOLVED = "resolved", "Ticket resolved"
    APPROVAL_REQUESTED = "approval_requested", "Approval requested"
    APPROVAL_DECIDED = "approval_decided", "Approval decided"


# What each email event means to the person choosing whether to receive it, and who it is for
# ("staff": only service desk staff receive it).
EMAIL_EVENT_HELP = {
    EmailEvent.TICKET_OPENED: ("A ticket I called in was received, with its number", "all"),
    EmailEvent.AGENT_COMMENTED: (
        "The service desk commented on a ticket I called in or watch",
        "all",
    ),
    EmailEvent.RESOLVED: ("A ticket I called in was resolved", "all"),
    EmailEvent.APPROVAL_REQUESTED: ("Someone needs my approval for a request", "all"),
    EmailEvent.APPROVAL_DECIDED: ("A request I made was approved or rejected", "all"),
    EmailEvent.ASSIGNED: ("A ticket was assigned to me or to one of my groups", "staff"),
    EmailEvent.CALLER_COMMENTED: (
        "The caller replied on a ticket assigned to me or my group",
        "staff",
    ),
    EmailEvent.WORK_NOTE: (
        "A colleague wrote a work note on a ticket assigned to me or that I watch",
        "staff",
    ),
}


class InboundOutcome(models.TextChoices):
    CREATED = "created", "Ticket created"
    COMMENTED = "commented", "Comment added"
    DROPPED = "dropped", "Dropped"
    REFUSED = "refused", "Refused"
