"""Ticket numbers: INC0001001, REQ0001001, PRB0001001, each kind counting on its own."""

from django.db import connection, transaction

from servicedesk.choices import NUMBER_DIGITS, NUMBER_PREFIX, NUMBER_START
from servicedesk.models import TicketNumberSequence


def _bump(kind: str) -> int | None:
    table = connection.ops.quote_name(TicketNumberSequence._meta.db_table)
    with connection.cursor() as cursor:
        # One statement: the row lock it takes is held until the surrounding transaction ends,
        # so a concurrent opening of the same kind waits and then reads the bumped value.
        cursor.execute(
            f"UPDATE {table} SET last_value = last_value + 1 WHERE kind = %s RETURNING last_value",
            [kind],
        )
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def format_number(kind: str, value: int) -> str:
    return f"{NUMBER_PREFIX[kind]}{value:0{NUMBER_DIGITS}d}"


def next_ticket_number(kind: str) -> str:
    """Take the next number of `kind`. Call inside the transaction that saves the ticket, so a
    rollback gives the number back."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_ticket_number() must run inside a transaction")
    value = _bump(kind)
    if value is None:
        # The counter row is created by a migration; recreate it if it was removed.
        TicketNumberSequence.objects.get_or_create(kind=kind, defaults={"last_value": NUMBER_START})
        value = _bump(kind)
    return format_number(kind, value)
