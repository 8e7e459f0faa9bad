"""Settings, read from the environment only (see the configuration table in README.md)."""

import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from itops.env import env_bool, env_choice, env_int, env_list, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("ITOPS_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("ITOPS_DEBUG", False)
HTTPS = env_bool("ITOPS_HTTPS", False)


def _secret_key() -> str:
    configured = env_str("ITOPS_SECRET_KEY")
    if configured:
        if len(configured) < 50:
            raise ImproperlyConfigured("ITOPS_SECRET_KEY must be at least 50 characters long")
        return configured
    if HTTPS:
        raise ImproperlyConfigured("ITOPS_SECRET_KEY must be set when ITOPS_HTTPS is on")
    # A single-machine install keeps a generated key under var/ so sessions survive restarts.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ITOPS_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("ITOPS_CSRF_TRUSTED_ORIGINS", [])
PORT = env_int("PORT", 8000, minimum=1, maximum=65535)
SITE_URL = env_str("ITOPS_SITE_URL", f"http://127.0.0.1:{PORT}").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "channels",
    "django_celery_beat",
    "auditlog",
    "itops",
    "cmdb",
    "servicedesk",
    "changes",
    "slas",
    "monitoring",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "itops.audit.AuditActorMiddleware",
]

ROOT_URLCONF = "itops.urls"
ASGI_APPLICATION = "itops.asgi.application"
WSGI_APPLICATION = "itops.wsgi.application"
AUTH_USER_MODEL = "itops.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "itops.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_url("DATABASE_URL", {"postgres", "postgresql", "sqlite"})
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env_int("ITOPS_DB_CONN_MAX_AGE", 0, minimum=0),
            conn_health_checks=True,
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "itops.sqlite3",
            # Web, worker and beat share one file: WAL lets readers run beside the writer, and
            # IMMEDIATE transactions queue writers on the busy timeout instead of failing them.
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            "TEST": {"NAME": VAR_DIR / "test-itops.sqlite3"},
        }
    }
USING_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: broker, cache, channel layer ------------------------------------------------------
REDIS_URL = env_url("REDIS_URL", {"redis", "rediss", "unix"})
BUNDLED_REDIS_SOCKET = VAR_DIR / "redis.sock"
USING_BUNDLED_REDIS = REDIS_URL is None
if USING_BUNDLED_REDIS:
    REDIS_URL = f"unix://{BUNDLED_REDIS_SOCKET}"


def _celery_broker_url(redis_url: str) -> str:
    if redis_url.startswith("unix://"):
        path, _, query = redis_url.removeprefix("unix://").partition("?")
        return f"redis+socket://{path}" + (f"?{query}" if query else "")
    return redis_url


CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "itops",
    }
}
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL], "prefix": "itops:asgi"},
    }
}

CELERY_BROKER_URL = _celery_broker_url(REDIS_URL)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env_bool("ITOPS_CELERY_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
# Schedules each app contributes; the database scheduler copies them into the admin-editable
# tables at start-up.
CELERY_BEAT_SCHEDULE: dict = {}

# --- Auth -------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- I18N -------------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("ITOPS_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "itops" / "static"]
MEDIA_ROOT = Path(env_str("ITOPS_MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "itops.staticfiles.ForgivingManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG

# --- REST API ---------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "itops.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "itops.permissions.TokenScopePermission",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "itops.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "itops.api.exceptions.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "itops API",
    "DESCRIPTION": "CMDB, service desk, changes, SLAs and monitoring.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets whose field names repeat across apps get names of their own.
    "ENUM_NAME_OVERRIDES": {
        "LocationKindEnum": "cmdb.choices.LocationKind",
        "TicketKindEnum": "servicedesk.choices.TicketKind",
        "TicketStateEnum": "servicedesk.choices.TicketState",
        "ArticleStateEnum": "servicedesk.knowledge.choices.ArticleState",
        "TicketSourceEnum": "servicedesk.choices.TicketSource",
        "TargetSourceEnum": "monitoring.targets.choices.TargetSource",
    },
}

# --- Audit ------------------------------------------------------------------------------------
AUDITLOG_DISABLE_REMOTE_ADDR = False
AUDITLOG_INCLUDE_ALL_MODELS = False

# --- Security ---------------------------------------------------------------------------------
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = env_int("ITOPS_HSTS_SECONDS", 31536000 if HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("ITOPS_MAX_FORM_BYTES", 5 * 1024 * 1024, minimum=1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Email ------------------------------------------------------------------------------------
EMAIL_BACKEND = env_choice(
    "ITOPS_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend",
    {
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.smtp.EmailBackend",
        "django.core.mail.backends.locmem.EmailBackend",
        "django.core.mail.backends.filebased.EmailBackend",
    },
)
EMAIL_HOST = env_str("ITOPS_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("ITOPS_EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("ITOPS_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_str("ITOPS_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("ITOPS_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("ITOPS_EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured(
        "ITOPS_EMAIL_USE_TLS (STARTTLS, port 587) and ITOPS_EMAIL_USE_SSL (port 465) exclude "
        "each other; set one"
    )
# A silent SMTP server must not hold a worker forever: give up, the task retries later.
EMAIL_TIMEOUT = env_int("ITOPS_EMAIL_TIMEOUT", 30, minimum=1, maximum=600)
EMAIL_FILE_PATH = VAR_DIR / "mail"
# The service desk's address: receives tickets by email (servicedesk.notifications.inbound)
# and is the Reply-To (and by default the From) of what the desk sends.
ITOPS_DESK_EMAIL = env_str("ITOPS_DESK_EMAIL", "desk@itops.localhost").lower()
if "@" not in ITOPS_DESK_EMAIL:
    raise ImproperlyConfigured(
        f"ITOPS_DESK_EMAIL must be an email address, got {ITOPS_DESK_EMAIL!r}"
    )
DEFAULT_FROM_EMAIL = env_str("ITOPS_FROM_EMAIL", f"itops <{ITOPS_DESK_EMAIL}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Logging ----------------------------------------------------------------------------------
LOG_LEVEL = env_choice("ITOPS_LOG_LEVEL", "INFO", {"DEBUG", "INFO", "WARNING", "ERROR"})
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# --- Platform ---------------------------------------------------------------------------------
ITOPS_READYZ_WORKER_TIMEOUT = 1.0
# Ceiling on any request body, checked before Django reads it; endpoints have smaller limits.
ITOPS_MAX_REQUEST_BYTES = env_int("ITOPS_MAX_REQUEST_BYTES", 128 * 1024 * 1024, minimum=1024)

# --- CMDB -------------------------------------------------------------------------------------
# Largest CI import file the upload page accepts (the command line has no limit).
CMDB_IMPORT_MAX_BYTES = env_int("ITOPS_CMDB_IMPORT_MAX_BYTES", 5 * 1024 * 1024, minimum=1024)

# --- Service desk -----------------------------------------------------------------------------
# Resolved tickets close by themselves after this many days; until then the caller may reopen.
ITOPS_AUTO_CLOSE_DAYS = env_int("ITOPS_AUTO_CLOSE_DAYS", 7, minimum=1, maximum=365)
ITOPS_ATTACHMENT_MAX_BYTES = env_int(
    "ITOPS_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024, minimum=1024, maximum=1024**3
)
ITOPS_ATTACHMENT_TYPES = env_list(
    "ITOPS_ATTACHMENT_TYPES",
    [
        "pdf",
        "png",
        "jpg",
        "jpeg",
        "gif",
        "webp",
        "txt",
        "log",
        "csv",
        "json",
        "md",
        "zip",
        "docx",
        "xlsx",
        "pptx",
    ],
)
# Checked against the types the platform can recognise by content when the app starts.
ITOPS_ATTACHMENT_TYPES = [kind.lower().lstrip(".") for kind in ITOPS_ATTACHMENT_TYPES]
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        # Impact and urgency share their 1-3 scale.
        "ImpactUrgencyEnum": "servicedesk.choices.Impact",
        "OnHoldReasonEnum": "servicedesk.choices.OnHoldReason",
        "ApprovalSourceEnum": "servicedesk.choices.ApprovalSource",
        "TicketSourceEnum": "servicedesk.choices.TicketSource",
        "ResolutionCodeEnum": "servicedesk.choices.ResolutionCode",
    }
)
# Problem candidates: at least this many incidents on one CI or in one (sub)category, opened
# within this many days and linked to no problem, suggest a problem.
ITOPS_PROBLEM_CANDIDATE_MIN_INCIDENTS = env_int(
    "ITOPS_PROBLEM_CANDIDATE_MIN_INCIDENTS", 3, minimum=2, maximum=1000
)
ITOPS_PROBLEM_CANDIDATE_DAYS = env_int("ITOPS_PROBLEM_CANDIDATE_DAYS", 7, minimum=1, maximum=365)
# Notifications and email (servicedesk.notifications); links in emails start with
# ITOPS_BASE_URL.
ITOPS_BASE_URL = (env_url("ITOPS_BASE_URL", {"http", "https"}) or SITE_URL).rstrip("/")
# The SMTP receiver (manage.py run_smtp_receiver; run_platform starts it when a port is set).
ITOPS_INBOUND_SMTP_HOST = env_str("ITOPS_INBOUND_SMTP_HOST", "127.0.0.1")
ITOPS_INBOUND_SMTP_PORT = env_int("ITOPS_INBOUND_SMTP_PORT", 0, minimum=0, maximum=65535)
ITOPS_INBOUND_EMAIL_MAX_BYTES = env_int(
    "ITOPS_INBOUND_EMAIL_MAX_BYTES", 10 * 1024 * 1024, minimum=1024, maximum=1024**3
)
# Mail from an address no user has: refused (logged, no bounce) or opened for a guest caller.
ITOPS_INBOUND_UNKNOWN_SENDERS = env_choice(
    "ITOPS_INBOUND_UNKNOWN_SENDERS", "refuse", {"refuse", "guest"}
)
# More messages than this from one sender within an hour are dropped (mail loops, floods).
ITOPS_INBOUND_EMAIL_RATE_LIMIT = env_int("ITOPS_INBOUND_EMAIL_RATE_LIMIT", 20, minimum=1)
CELERY_BEAT_SCHEDULE["servicedesk-auto-close-resolved"] = {
    "task": "servicedesk.tasks.auto_close_resolved_tickets_task",
    "schedule": 15 * 60.0,
}

# --- Changes ----------------------------------------------------------------------------------
# (changes settings go here)

# --- SLAs -------------------------------------------------------------------------------------
# (slas settings go here)

# --- Monitoring -------------------------------------------------------------------------------
# Metric storage (monitoring.ingest): raw samples are kept this many days (whole day partitions
# are dropped on PostgreSQL), rollups longer.
ITOPS_METRICS_RETENTION_DAYS = env_int("ITOPS_METRICS_RETENTION_DAYS", 15, minimum=1)
ITOPS_METRICS_MINUTE_ROLLUP_RETENTION_DAYS = env_int(
    "ITOPS_METRICS_MINUTE_ROLLUP_RETENTION_DAYS", 90, minimum=1
)
ITOPS_METRICS_HOUR_ROLLUP_RETENTION_DAYS = env_int(
    "ITOPS_METRICS_HOUR_ROLLUP_RETENTION_DAYS", 730, minimum=1
)
# Day partitions created ahead of time by the scheduled job (writes create a missing one too).
ITOPS_METRICS_PARTITIONS_AHEAD_DAYS = env_int("ITOPS_METRICS_PARTITIONS_AHEAD_DAYS", 3, minimum=1)
# Samples stamped further ahead of the server clock than this are refused.
ITOPS_METRICS_FUTURE_TOLERANCE_SECONDS = env_int(
    "ITOPS_METRICS_FUTURE_TOLERANCE_SECONDS", 600, minimum=0
)
# Rollups: a bucket is computed once it ended this long ago (room for in-flight samples);
# samples arriving later than that mark their range for recomputation.
ITOPS_METRICS_ROLLUP_DELAY_SECONDS = env_int("ITOPS_METRICS_ROLLUP_DELAY_SECONDS", 120, minimum=0)
ITOPS_METRICS_ROLLUP_MAX_MINUTES_PER_RUN = env_int(
    "ITOPS_METRICS_ROLLUP_MAX_MINUTES_PER_RUN", 180, minimum=1
)
# Series known to exist are cached per process (label set -> id); past this many entries the
# cache starts over.
ITOPS_METRICS_SERIES_CACHE_SIZE = env_int("ITOPS_METRICS_SERIES_CACHE_SIZE", 500_000, minimum=1000)
# Receiver body limits (bytes, after Content-Encoding is undone; remote_write also limits the
# compressed body).
ITOPS_REMOTE_WRITE_MAX_BYTES = env_int(
    "ITOPS_REMOTE_WRITE_MAX_BYTES", 10 * 1024 * 1024, minimum=1024
)
ITOPS_REMOTE_WRITE_MAX_DECODED_BYTES = env_int(
    "ITOPS_REMOTE_WRITE_MAX_DECODED_BYTES", 64 * 1024 * 1024, minimum=1024
)
ITOPS_INGEST_JSON_MAX_BYTES = env_int("ITOPS_INGEST_JSON_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
# Line protocol (/api/v2/write, /write) and Pushgateway (/metrics/job/...) body limits, in bytes
# after gzip is undone.
ITOPS_LINE_PROTOCOL_MAX_BYTES = env_int(
    "ITOPS_LINE_PROTOCOL_MAX_BYTES", 10 * 1024 * 1024, minimum=1024
)
ITOPS_PUSHGATEWAY_MAX_BYTES = env_int("ITOPS_PUSHGATEWAY_MAX_BYTES", 5 * 1024 * 1024, minimum=1024)
# Receivers work on this many long-lived threads per web process when database connections
# are persistent (ITOPS_DB_CONN_MAX_AGE > 0), so each keeps its connection between requests.
ITOPS_INGEST_THREADS = env_int("ITOPS_INGEST_THREADS", 4, minimum=0, maximum=64)
# The ticket API's views run on this many long-lived threads per server process when database
# connections are persistent (see servicedesk.api.threads); 0 runs them the Django way.
ITOPS_API_THREADS = env_int("ITOPS_API_THREADS", 4, minimum=0, maximum=64)
# Receivers remember a checked API token this long instead of asking the database each request.
ITOPS_INGEST_TOKEN_CACHE_SECONDS = env_int("ITOPS_INGEST_TOKEN_CACHE_SECONDS", 10, minimum=0)
CELERY_BEAT_SCHEDULE["ingest-create-sample-partitions"] = {
    "task": "monitoring.tasks.ingest_create_partitions_task",
    "schedule": 3600.0,
}
CELERY_BEAT_SCHEDULE["ingest-apply-retention"] = {
    "task": "monitoring.tasks.ingest_apply_retention_task",
    "schedule": 3600.0,
}
CELERY_BEAT_SCHEDULE["ingest-compute-rollups"] = {
    "task": "monitoring.tasks.ingest_compute_rollups_task",
    "schedule": 60.0,
}
CELERY_BEAT_SCHEDULE["ingest-link-series-to-cis"] = {
    "task": "monitoring.tasks.ingest_link_series_task",
    "schedule": 300.0,
}
# Collection (monitoring.targets): the dispatcher runs this often and starts the targets that
# are due; discovered targets are synchronised with the CMDB this often (0: only by hand).
ITOPS_COLLECT_DISPATCH_SECONDS = env_int("ITOPS_COLLECT_DISPATCH_SECONDS", 5, minimum=1)
ITOPS_COLLECT_CMDB_SYNC_SECONDS = env_int("ITOPS_COLLECT_CMDB_SYNC_SECONDS", 300, minimum=0)
# A scrape or HTTP check reads at most this many bytes of the answer (after gzip is undone).
ITOPS_COLLECT_MAX_BODY_BYTES = env_int(
    "ITOPS_COLLECT_MAX_BODY_BYTES", 20 * 1024 * 1024, minimum=1024
)
CELERY_BEAT_SCHEDULE["collect-dispatch-due-targets"] = {
    "task": "monitoring.tasks.collect_dispatch_task",
    "schedule": float(ITOPS_COLLECT_DISPATCH_SECONDS),
}
if ITOPS_COLLECT_CMDB_SYNC_SECONDS:
    CELERY_BEAT_SCHEDULE["collect-sync-cmdb-targets"] = {
        "task": "monitoring.tasks.collect_sync_cmdb_targets_task",
        "schedule": float(ITOPS_COLLECT_CMDB_SYNC_SECONDS),
    }
# Metric queries (monitoring.queries): which storage serves a range. Up to RAW_MAX_SECONDS of
# range is read from raw samples, up to MINUTE_MAX_SECONDS from 1-minute rollups, longer from
# 1-hour rollups (a rollup serves only steps that are whole multiples of its bucket).
ITOPS_METRICS_QUERY_RAW_MAX_SECONDS = env_int(
    "ITOPS_METRICS_QUERY_RAW_MAX_SECONDS", 3 * 3600, minimum=0
)
ITOPS_METRICS_QUERY_MINUTE_MAX_SECONDS = env_int(
    "ITOPS_METRICS_QUERY_MINUTE_MAX_SECONDS", 3 * 86400, minimum=0
)
# Output bounds of one range query; a request beyond them is refused with 400.
ITOPS_METRICS_QUERY_MAX_POINTS = env_int("ITOPS_METRICS_QUERY_MAX_POINTS", 11_000, minimum=10)
ITOPS_METRICS_QUERY_MAX_SERIES = env_int("ITOPS_METRICS_QUERY_MAX_SERIES", 1000, minimum=1)
ITOPS_METRICS_QUERY_MAX_TOTAL_POINTS = env_int(
    "ITOPS_METRICS_QUERY_MAX_TOTAL_POINTS", 1_000_000, minimum=100
)
# Series, metric name and label value listings return at most this many items.
ITOPS_METRICS_LIST_MAX_ITEMS = env_int("ITOPS_METRICS_LIST_MAX_ITEMS", 10_000, minimum=10)
# A series without samples for this long is shown as stale (besides stale markers).
ITOPS_METRICS_STALE_AFTER_SECONDS = env_int("ITOPS_METRICS_STALE_AFTER_SECONDS", 300, minimum=15)
