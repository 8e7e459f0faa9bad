import pytest

from monitoring.ingest import partitions
from monitoring.ingest.latest import LATEST_KEY
from monitoring.ingest.redis_store import client
from monitoring.ingest.series import link_rules, recently_touched, series_cache
from monitoring.ingest.stats import STATS_KEY
from monitoring.receivers.http import token_cache
from monitoring.receivers.remote_write import label_cache


def forget_process_state():
    """Each test's database starts empty, so the per-process caches must too."""
    series_cache.clear()
    recently_touched.clear()
    label_cache.clear()
    token_cache.clear()
    link_rules.invalidate()
    partitions.forget_known_partitions()


@pytest.fixture(autouse=True)
def clean_ingest_state():
    forget_process_state()
    client().delete(STATS_KEY, LATEST_KEY)
    yield
    forget_process_state()
    client().delete(STATS_KEY, LATEST_KEY)
