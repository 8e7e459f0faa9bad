"""Demo rows of the agent console: a few shared saved filters on the demo agent's sidebar."""

from itops.models import User
from servicedesk.models import SavedFilter

DEMO_FILTERS = [
    ("Open P1 and P2 incidents", "queue=open&kind=incident&priority=1&priority=2&sort=priority"),
    ("On hold, oldest first", "queue=open&state=on_hold&sort=updated"),
    ("Requests waiting for approval", "queue=open&kind=request&state=pending_approval"),
]


def seed_desk(stdout=None) -> None:
    owner = User.objects.filter(username="agent").first()
    if owner is None:
        return
    for name, query in DEMO_FILTERS:
        SavedFilter.objects.get_or_create(
            owner=owner, name=name, defaults={"query": query, "is_shared": True}
        )
    if stdout:
        stdout.write(f"  desk: {len(DEMO_FILTERS)} shared saved filters")
