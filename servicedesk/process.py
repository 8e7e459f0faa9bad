"""Wiring of the service catalog process and problem management, called from the app's ready():
audit registration, timeline sources, the receiver that keeps approvals and tasks in step with
their request, and the demo seeder."""

from servicedesk.signals import ticket_state_changed


def _follow_request_state(sender, *, ticket, by, old_state, new_state, **kwargs):
    from servicedesk.choices import TicketKind
    from servicedesk.services.fulfilment import follow_request_state

    if ticket.kind == TicketKind.REQUEST:
        follow_request_state(request=ticket, old_state=old_state, new_state=new_state, by=by)


def setup() -> None:
    from itops import audit, demo
    from servicedesk import models
    from servicedesk.selectors import catalog
    from servicedesk.timeline import register_timeline_source

    audit.track(models.CatalogTaskTemplate, exclude=["last_assignee"])
    audit.track(models.RequestApproval)
    audit.track(models.FulfilmentTask, exclude=["updated_at"])
    register_timeline_source("servicedesk.approvals", catalog.approval_entries)
    register_timeline_source("servicedesk.fulfilment_tasks", catalog.task_entries)
    ticket_state_changed.connect(
        _follow_request_state, dispatch_uid="servicedesk.process.follow_request_state"
    )
    demo.register_seeder(order=32, seeder="servicedesk.demo_process.seed_service_process")
