import pytest

from monitoring.ingest.redis_store import KEY_PREFIX, client
from tests.monitoring.targets.servers import (  # noqa: F401 - fixtures for this folder
    listening_port,
    local_server,
    tls_server,
)


@pytest.fixture(autouse=True)
def forget_scraped_series():
    """Each test's database starts empty, so must the record of what targets scraped."""
    yield
    keys = list(client().scan_iter(match=KEY_PREFIX + "collect:*"))
    if keys:
        client().delete(*keys)
