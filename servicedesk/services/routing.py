"""Auto-assignment: the first matching rule routes a new ticket to a group (and a member)."""

from django.db.models import Count, Q

from itops.models import Team, User
from servicedesk.choices import DONE_STATES, MemberSelection
from servicedesk.models import AssignmentRule, Ticket


def _rule_matches(rule: AssignmentRule, ticket: Ticket) -> bool:
    if rule.kind and rule.kind != ticket.kind:
        return False
    if rule.category_id and rule.category_id not in (ticket.category_id, ticket.subcategory_id):
        return False
    if rule.configuration_item_id and rule.configuration_item_id != ticket.configuration_item_id:
        return False
    if rule.business_service_id and rule.business_service_id != ticket.business_service_id:
        return False
    return not rule.use_ci_owner_team or _ci_owner_team_id(ticket) is not None


def _ci_owner_team_id(ticket: Ticket) -> int | None:
    if ticket.configuration_item_id is None:
        return None
    return ticket.configuration_item.owner_team_id


def _candidates(team: Team) -> list[User]:
    return list(
        User.objects.filter(team_memberships__team=team, is_active=True).order_by("id").distinct()
    )


def _round_robin(rule: AssignmentRule, members: list[User]) -> User:
    # Lock the rule so two tickets opened at once do not both go to the same next member.
    locked = AssignmentRule.objects.select_for_update().get(pk=rule.pk)
    after = locked.last_assignee_id or 0
    chosen = next((member for member in members if member.id > after), members[0])
    AssignmentRule.objects.filter(pk=rule.pk).update(last_assignee=chosen)
    return chosen


def _least_loaded(members: list[User]) -> User:
    open_work = Count("assigned_tickets", filter=~Q(assigned_tickets__state__in=DONE_STATES))
    loads = dict(
        User.objects.filter(pk__in=[m.pk for m in members])
        .annotate(open_tickets=open_work)
        .values_list("pk", "open_tickets")
    )
    return min(members, key=lambda member: (loads.get(member.pk, 0), member.pk))


def matching_rule(ticket: Ticket) -> AssignmentRule | None:
    rules = AssignmentRule.objects.filter(is_active=True).order_by("order", "id")
    return next((rule for rule in rules if _rule_matches(rule, ticket)), None)


def route_ticket(ticket: Ticket) -> AssignmentRule | None:
    """Set `assignment_group` (and maybe `assignee`) on an unsaved or unassigned ticket from
    the first matching rule. Returns the rule, or None when no rule matched."""
    rule = matching_rule(ticket)
    if rule is None:
        return None
    if rule.use_ci_owner_team:
        group = ticket.configuration_item.owner_team
    else:
        group = rule.assignment_group
    ticket.assignment_group = group
    if rule.member_selection != MemberSelection.NONE and ticket.assignee_id is None:
        members = _candidates(group)
        if members:
            if rule.member_selection == MemberSelection.ROUND_ROBIN:
                ticket.assignee = _round_robin(rule, members)
            else:
                ticket.assignee = _least_loaded(members)
    return rule
