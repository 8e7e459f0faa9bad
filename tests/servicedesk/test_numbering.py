import threading

import pytest
from django.db import connection, transaction

from servicedesk import services
from servicedesk.models import Ticket, TicketNumberSequence
from tests.factories.servicedesk import make_incident, make_problem, make_request


@pytest.mark.django_db
def test_each_kind_counts_on_its_own_from_1001(requester):
    incidents = [make_incident(caller=requester) for _ in range(2)]
    request = make_request(caller=requester)
    problem = make_problem()

    assert [i.number for i in incidents] == ["INC0001001", "INC0001002"]
    assert request.number == "REQ0001001"
    assert problem.number == "PRB0001001"


@pytest.mark.django_db
def test_a_failed_opening_gives_its_number_back(requester):
    from itops.errors import DomainError

    with pytest.raises(DomainError):
        make_incident(caller=requester, short_description="   ")
    incident = make_incident(caller=requester)

    assert incident.number == "INC0001001"


@pytest.mark.django_db
def test_a_missing_counter_row_is_recreated(requester):
    TicketNumberSequence.objects.filter(kind="incident").delete()

    assert make_incident(caller=requester).number == "INC0001001"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_openings_get_unique_gapless_numbers(requester):
    TicketNumberSequence.objects.get_or_create(kind="incident", defaults={"last_value": 1000})
    threads, per_thread, errors = 6, 10, []
    start = threading.Barrier(threads)

    def open_many():
        try:
            start.wait()
            for index in range(per_thread):
                with transaction.atomic():
                    services.open_incident(
                        caller=requester, by=requester, short_description=f"Load {index}"
                    )
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=open_many) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    numbers = sorted(Ticket.objects.filter(kind="incident").values_list("number", flat=True))
    assert errors == []
    assert numbers == [f"INC{n:07d}" for n in range(1001, 1001 + threads * per_thread)]
