"""Targets discovered from the CMDB: one per CI with a monitoring address and per enabled check
template of its class.

The sync (scheduled, and the "Discover from CMDB" button) is idempotent:

- it creates the targets that are missing, named `<CI> <template>` and marked as discovered;
- it keeps discovered targets in line with their template and the CI's address (address, kind,
  interval, timeout, labels, HTTP settings), but never touches `enabled`, the name or the job,
  which people may change;
- it deletes discovered targets whose CI was retired, lost its address or changed class, or
  whose template was disabled;
- it never changes or duplicates a target made by hand: when a hand-made target already checks
  the same address the same way, or holds the name, the CI is skipped.

How a template and a CI address make a target address (the address may be `host`,
`host:port` or a URL): a URL is used as it is (a scrape adds the template's path when the URL
has none; a TCP check takes its host, and its port when it names one, else the template's); otherwise `<scheme>://<host>:<port><path>` for
scrapes and HTTP checks and `<host>:<port>` for TCP checks, where the CI's own port wins over
the template's.
"""

import logging
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

from django.db import transaction

from cmdb.choices import CIStatus
from cmdb.models import ConfigurationItem
from itops.audit import acting_as
from monitoring.targets.choices import TargetKind, TargetSource
from monitoring.targets.models import CheckTemplate, Target, split_host_port
from monitoring.targets.schedule import first_run_at

logger = logging.getLogger(__name__)

TEMPLATE_FIELDS = (
    "kind",
    "interval_seconds",
    "timeout_seconds",
    "labels",
    "http_method",
    "expected_status",
    "body_match",
    "body_match_regex",
    "tls_verify",
)


@dataclass
class SyncResult:
    created: int = 0
    updated: int = 0
    removed: int = 0
    skipped: int = 0

    def as_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        return (
            f"{self.created} created, {self.updated} updated, {self.removed} removed, "
            f"{self.skipped} skipped (a hand-made target covers them)"
        )


def address_for(ci_address: str, template: CheckTemplate) -> str | None:
    """The target address for a CI address under a template (None if it cannot make one)."""
    raw = (ci_address or "").strip()
    if not raw:
        return None
    if "://" in raw:
        parts = urlsplit(raw)
        if not parts.hostname:
            return None
        if template.kind == TargetKind.TCP:
            try:
                port = parts.port or template.port or (443 if parts.scheme == "https" else 80)
            except ValueError:
                return None
            return f"{parts.hostname}:{port}"
        if template.kind == TargetKind.SCRAPE and parts.path in ("", "/") and template.path:
            return raw.rstrip("/") + template.path
        return raw
    try:
        host, port = split_host_port(raw)
    except ValueError:
        return None
    if not host:
        return None
    port = port or template.port
    if ":" in host:
        host = f"[{host}]"
    if template.kind == TargetKind.TCP:
        return f"{host}:{port}" if port else None
    netloc = f"{host}:{port}" if port else host
    return f"{template.scheme}://{netloc}{template.path or '/'}"


def _wanted() -> dict[tuple[int, int], tuple[ConfigurationItem, CheckTemplate, str]]:
    templates = list(CheckTemplate.objects.filter(enabled=True).select_related("ci_class"))
    by_class: dict[int, list[CheckTemplate]] = {}
    for template in templates:
        by_class.setdefault(template.ci_class_id, []).append(template)
    wanted = {}
    cis = (
        ConfigurationItem.objects.filter(ci_class_id__in=by_class)
        .exclude(monitoring_address="")
        .exclude(status=CIStatus.RETIRED)
        .order_by("name")
    )
    for ci in cis:
        for template in by_class[ci.ci_class_id]:
            address = address_for(ci.monitoring_address, template)
            if address:
                wanted[(ci.id, template.id)] = (ci, template, address)
    return wanted


def sync_targets_from_cmdb(*, by=None) -> SyncResult:
    """Bring discovered targets in line with the CMDB and the check templates."""
    from monitoring.targets.services import end_series_on_commit

    result = SyncResult()
    with acting_as(by), transaction.atomic():
        wanted = _wanted()
        existing = {
            (t.ci_id, t.template_id): t
            for t in Target.objects.select_for_update().filter(source=TargetSource.CMDB)
        }
        for key, target in existing.items():
            if key not in wanted:
                end_series_on_commit(target)
                target.delete()
                result.removed += 1
        covered = set(
            Target.objects.exclude(source=TargetSource.CMDB).values_list("kind", "address")
        )
        names = set(Target.objects.values_list("name", flat=True))
        for key, (ci, template, address) in wanted.items():
            values = {field: getattr(template, field) for field in TEMPLATE_FIELDS}
            values["address"] = address
            target = existing.get(key)
            if target is not None:
                changed = [f for f, v in values.items() if getattr(target, f) != v]
                if changed:
                    for field in changed:
                        setattr(target, field, values[field])
                    target.next_run_at = first_run_at()
                    target.save(update_fields=[*changed, "next_run_at", "updated_at"])
                    result.updated += 1
                continue
            name = f"{ci.name} {template.name}"
            if (template.kind, address) in covered or name in names:
                result.skipped += 1
                continue
            Target.objects.create(
                name=name,
                ci=ci,
                template=template,
                source=TargetSource.CMDB,
                next_run_at=first_run_at(),
                **values,
            )
            names.add(name)
            result.created += 1
    logger.info("CMDB target sync: %s", result.summary())
    return result
