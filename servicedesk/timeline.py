"""The ticket timeline: one time-ordered list of what happened to a ticket.

The service desk contributes comments, work notes, field and state changes, attachments and
links. Apps above it (SLAs, changes, monitoring) add their own entries without the service desk
importing them:

    from servicedesk.timeline import TimelineEntry, register_timeline_source

    def sla_events(*, ticket, user, staff):
        return [TimelineEntry(at=..., kind="sla", title="SLA breached", ...)]

    register_timeline_source("slas.events", sla_events)   # in SlasConfig.ready()

A source gets `staff=False` for end users and must then leave out what they may not see.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

TimelineSource = Callable[..., Iterable["TimelineEntry"]]

_SOURCES: dict[str, TimelineSource] = {}


@dataclass
class TimelineEntry:
    at: datetime
    kind: str  # comment, work_note, state, field_change, attachment, link, or a source's own
    title: str
    actor: str | None = None
    body_html: str = ""
    internal: bool = False
    data: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "kind": self.kind,
            "title": self.title,
            "actor": self.actor,
            "body_html": self.body_html,
            "internal": self.internal,
            "data": self.data,
        }


def register_timeline_source(name: str, source: TimelineSource) -> None:
    """Add (or replace) a contributor `source(*, ticket, user, staff) -> Iterable[entry]`."""
    _SOURCES[name] = source


def unregister_timeline_source(name: str) -> None:
    _SOURCES.pop(name, None)


def timeline_sources() -> dict[str, TimelineSource]:
    return dict(_SOURCES)


def register_core_sources() -> None:
    from servicedesk.selectors import timeline as core

    register_timeline_source("servicedesk.comments", core.comment_entries)
    register_timeline_source("servicedesk.history", core.history_entries)
    register_timeline_source("servicedesk.attachments", core.attachment_entries)
    register_timeline_source("servicedesk.links", core.link_entries)
