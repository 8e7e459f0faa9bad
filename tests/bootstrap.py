"""Prepares the environment before Django loads (pytest loads this with `-p tests.bootstrap`).

Without REDIS_URL the suite starts its own bundled Redis on a private socket, so tests never
touch the Redis of a platform running from the same checkout.
"""

import atexit
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Playwright's sync API keeps an event loop around; the ORM calls tests make beside it are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# Tasks run inline unless a test starts a real worker (the `celery_worker` fixture).
os.environ.setdefault("ITOPS_CELERY_EAGER", "1")

if not os.environ.get("REDIS_URL"):
    from itops import bundled_redis

    var_dir = Path(os.environ.get("ITOPS_VAR_DIR", ROOT / "var"))
    socket_path = var_dir / "test-redis.sock"
    _process = bundled_redis.start(socket_path, data_dir=var_dir, persist=False)
    atexit.register(bundled_redis.stop, _process)
    os.environ["REDIS_URL"] = f"unix://{socket_path}"
