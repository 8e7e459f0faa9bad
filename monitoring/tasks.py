"""Scheduled ingestion maintenance (routed to the `ingest` queue by name). Each is idempotent
and safe on two workers at once; the work lives in monitoring.ingest."""

from celery import shared_task
from django.conf import settings

from monitoring.ingest import link_series_to_cis, partitions, retention, rollups


@shared_task
def ingest_create_partitions_task() -> list[str]:
    created = partitions.create_partitions_ahead(
        days_ahead=settings.ITOPS_METRICS_PARTITIONS_AHEAD_DAYS
    )
    return [day.isoformat() for day in created]


@shared_task
def ingest_apply_retention_task() -> dict:
    return retention.apply_retention()


@shared_task
def ingest_compute_rollups_task() -> dict:
    return rollups.compute_rollups()


@shared_task
def ingest_link_series_task() -> int:
    return link_series_to_cis()
