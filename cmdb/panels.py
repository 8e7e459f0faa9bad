"""Panels that higher apps add to the CI detail page, without the CMDB importing them.

A higher app registers in its AppConfig.ready():

    from cmdb.panels import register_ci_panel

    register_ci_panel(
        key="servicedesk.open_incidents",
        template_name="servicedesk/inc/ci_incidents_panel.html",
        context=lambda *, request, ci: {"incidents": open_incidents_on(ci)},
        order=10,
    )

`context(request=..., ci=...)` returns the template's context, or None to leave the panel out
(for a user who may not see it, say). The template gets `ci` and `request` besides.
A panel that fails is logged and shown as unavailable; the page itself still renders.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.html import format_html

logger = logging.getLogger(__name__)

PanelContext = Callable[..., dict | None]


@dataclass(frozen=True)
class CIPanel:
    key: str
    template_name: str
    context: PanelContext | None = None
    order: int = 100


_PANELS: dict[str, CIPanel] = {}


def register_ci_panel(
    *,
    template_name: str,
    context: PanelContext | None = None,
    order: int = 100,
    key: str | None = None,
) -> CIPanel:
    """Add (or replace, by key) a panel; `key` defaults to the template name."""
    panel = CIPanel(
        key=key or template_name, template_name=template_name, context=context, order=order
    )
    _PANELS[panel.key] = panel
    return panel


def unregister_ci_panel(key: str) -> None:
    _PANELS.pop(key, None)


def ci_panels() -> list[CIPanel]:
    return sorted(_PANELS.values(), key=lambda panel: (panel.order, panel.key))


def render_ci_panels(*, request, ci) -> list[str]:
    """The HTML of every panel for `ci`, in order."""
    rendered = []
    for panel in ci_panels():
        try:
            extra = panel.context(request=request, ci=ci) if panel.context else {}
            if extra is None:
                continue
            html = render_to_string(panel.template_name, {"ci": ci, **extra}, request=request)
        except Exception:
            logger.exception("CI panel %s failed for CI %s", panel.key, ci.pk)
            html = format_html(
                '<div class="card mb-3" data-panel="{}"><div class="card-body text-body-secondary">'
                "This panel is unavailable right now.</div></div>",
                panel.key,
            )
        rendered.append(html)
    return rendered
