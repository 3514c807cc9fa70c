"""Django settings for the service desk, read from environment variables.

Development defaults (``make run``) are safe to use locally; production sets ``DEBUG=0``, a real
``SECRET_KEY``, ``ALLOWED_HOSTS``, ``DATABASE_URL``, ``REDIS_URL`` and the e-mail settings.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
from celery.schedules import crontab  # noqa: F401  (kept for schedule entries added by later apps)

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", False)
# Under pytest: development secrets are allowed, and Redis is a separate database (flushed between tests).
# A pytest-xdist worker (`pytest -n 2`) is a `python -c` process that xdist names in PYTEST_XDIST_WORKER (gw0, gw1...).
_xdist_worker = env("PYTEST_XDIST_WORKER")
TESTING = (envbool("ITSM_TESTING", False) or Path(sys.argv[0]).name in {"pytest", "py.test"}
           or (bool(_xdist_worker) and sys.argv[0] == "-c"))

# The development key only exists so that `make run` works without configuration; production must set its own.
_DEV_SECRET = "dev-insecure-secret-key-change-me-0123456789-abcdefghijklmnopqrstuvwxyz"
SECRET_KEY = env("SECRET_KEY", _DEV_SECRET if (DEBUG or TESTING) else "")
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if (DEBUG or TESTING) else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")
# The address every link in every e-mail starts with (incidents, SLA, password reset), e.g.
# https://servicedesk.example.com; `make run` serves on PORT, hence the default.
SITE_URL = env("SITE_URL", f"http://127.0.0.1:{env('ITSM_PORT', env('PORT', '8000'))}").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "accounts",
    "core",
    # the practices, in the order their kinds are listed (the first is the SLA dashboard's default)
    "incidents",
    "problems",
    "changes",
    "catalog",
    "knowledge",
    "cmdb",
    "events",
    "sla",
    "availability",
    "costs",
    "surveys",
    "capacity",
    "improvement",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the body (CSRF reads POST): refuses an oversized body from its Content-Length, and
    # NUL characters in the path or the query string (core.limits).
    "core.middleware.RequestLimitsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.middleware.UserTimezoneMiddleware",
    # Axes must be last: it turns a lock-out into the "locked out" response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "itsm.urls"
WSGI_APPLICATION = "itsm.wsgi.application"
ASGI_APPLICATION = "itsm.asgi.application"

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
                "core.context_processors.navigation",
                "csp.context_processors.nonce",
            ],
        },
    },
]

# Widgets (inputs, textareas, selects, radio and check lists) written without the template engine, same HTML:
# forms weigh on the ticket page (core.form_renderer).
FORM_RENDERER = "core.form_renderer.FastWidgets"

# --- Database: PostgreSQL only -------------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL", "postgres://postgres@127.0.0.1:54329/itsm")
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=envint("DB_CONN_MAX_AGE", 60),
                                     conn_health_checks=True),
}
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("DATABASE_URL must point to PostgreSQL (postgres://...).")
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = envint("DB_CONNECT_TIMEOUT", 5)
# JIT compilation costs ~50 ms on each large report query and buys nothing for this OLTP workload. A parallel
# worker costs ~10-20 ms to start (the known-error suggestions of a ticket page took 18 ms with one, 0.4 ms
# without) and the SLA report at 1M tickets takes the same time without them (bench/RESULTS.md).
DATABASES["default"]["OPTIONS"].setdefault("options", "-c jit=off -c max_parallel_workers_per_gather=0")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, Celery broker and result backend ----------------------------------------------------
REDIS_URL = env("REDIS_URL", "redis://127.0.0.1:63799/0")
if TESTING:
    # ITSM_TEST_REDIS_DB: the test database number, or one per xdist worker (e.g. "2,3": gw0 flushes 2, gw1 3); by
    # default 15 and down. Their processes (a Celery worker, gunicorn) inherit PYTEST_XDIST_WORKER, so the same one.
    _test_dbs = [int(n) for n in envlist("ITSM_TEST_REDIS_DB", "15,14,13,12,11,10,9,8")]
    _worker = int(_xdist_worker.removeprefix("gw")) if _xdist_worker.startswith("gw") else 0
    if _worker >= len(_test_dbs):
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            f"ITSM_TEST_REDIS_DB names {len(_test_dbs)} Redis database(s) for xdist worker {_xdist_worker}: give one "
            "per worker, comma-separated (each worker flushes its own).")
    _parts = urlsplit(REDIS_URL)
    REDIS_URL = urlunsplit(_parts._replace(path=f"/{_test_dbs[_worker]}"))
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", "itsm"),
        # short: a request never waits long for an absent Redis (and core.breaker skips it for a while)
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
    }
}

# --- Auth ----------------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Brute-force protection: after AXES_FAILURE_LIMIT failed logins for one username from one address, that pair
# is locked out for AXES_COOLOFF_MINUTES (the login page says so and for how long).
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = envint("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_VERBOSE = False
# The lock-out keys on the same client address as the API throttles (TRUSTED_PROXIES, see core.net).
AXES_CLIENT_IP_CALLABLE = "core.net.client_ip"
AXES_ENABLED = envbool("AXES_ENABLED", True)

# --- Internationalisation ------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static files: the project's own and the npm packages (see package.json), served by WhiteNoise -------
STATIC_URL = "/static/"
# A checkout's local state (make run); ITSM_DATA_DIR moves it, as for scripts/devservices.py, which creates it.
DATA_DIR = Path(env("ITSM_DATA_DIR", str(BASE_DIR / ".data")))
STATIC_ROOT = DATA_DIR / "staticfiles" if not env("STATIC_ROOT") else Path(env("STATIC_ROOT"))
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/chartjs", NODE_MODULES / "chart.js" / "dist"),
    ("vendor/cytoscape", NODE_MODULES / "cytoscape" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if (DEBUG or TESTING)
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(DATA_DIR / "media")))

# --- E-mail --------------------------------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 10)
# A notification whose send fails is retried this many times (backoff starting at this many seconds, doubling,
# at most 10 min), then recorded as failed (Django admin: Sent notifications; the admin console counts them).
NOTIFICATION_MAX_RETRIES = envint("NOTIFICATION_MAX_RETRIES", 5)
NOTIFICATION_RETRY_BACKOFF = envint("NOTIFICATION_RETRY_BACKOFF", 10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Service Desk <servicedesk@localhost>")
SERVER_EMAIL = env("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# --- Security ------------------------------------------------------------------------------------------
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not (DEBUG or TESTING))
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if envbool("BEHIND_TLS_PROXY", False) else None
# Proxies whose X-Forwarded-For is believed (comma-separated IPs or CIDRs); empty: the peer is the client.
TRUSTED_PROXIES = envlist("TRUSTED_PROXIES")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", not (DEBUG or TESTING))
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", not (DEBUG or TESTING))
SESSION_COOKIE_HTTPONLY = True
SESSION_ENGINE = "core.sessions"  # Redis in front of the session table (core/sessions.py)
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie, but the admin needs it
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if (DEBUG or TESTING) else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", not (DEBUG or TESTING))
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)  # request bodies other than files

# Content-Security-Policy (django-csp 4): no inline scripts, no third-party origins.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

# --- REST API ------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON nested at most 32 levels, without NUL or lone surrogates (core.limits); forms and files as DRF's.
    "DEFAULT_PARSER_CLASSES": [
        "core.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "core.api.filters.StrictOrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "core.api.throttling.AnonRateThrottle",
        "core.api.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", "60/min"),
        "user": env("API_THROTTLE_USER", "1200/min"),
        "token_exchange": env("API_THROTTLE_TOKEN", "20/min"),
        # monitoring sends bursts (an outage fires hundreds of alerts at once): its own, wider limit
        "events": env("API_THROTTLE_EVENTS", "6000/min"),
    },
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exceptions.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Service Desk API",
    "DESCRIPTION": "REST API of the service desk: tickets, SLAs, catalog and knowledge. "
    "Authenticate with `Authorization: Token <key>` (from POST /api/v1/auth/token/) or a browser session. "
    "Limits: each text field its `maxLength`; a body without files at most 5 MB, files at most 10 MB each and 25 MB "
    "per request by default (413 from `Content-Length`, before the body is read); JSON nested deeper than 32 "
    "levels, NUL characters and lone surrogates are refused with 400.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # each kind's own states under its own name (incidents keep "StateEnum", as before problems existed)
    "ENUM_NAME_OVERRIDES": {"StateEnum": "incidents.choices.State", "ProblemStateEnum": "problems.choices.State",
                            "ChangeStateEnum": "changes.choices.State",
                            "TaskStateEnum": "core.task_states.TaskState",
                            "ReleaseStateEnum": "changes.choices.ReleaseState",
                            "RequestStateEnum": "catalog.choices.RequestState",
                            "RequestedItemStateEnum": "catalog.choices.ItemState",
                            "ArticleStateEnum": "knowledge.choices.ArticleState",
                            "CIStatusEnum": "cmdb.choices.CIStatus",
                            "AlertStatusEnum": "events.choices.Status",
                            "KpiStatusEnum": "improvement.services.Rag"},
}

# --- Celery --------------------------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", REDIS_URL)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task not acknowledged within the visibility timeout is delivered again: tasks are idempotent.
# Short socket timeouts: a publish from a web request fails fast when Redis is away (the outbox keeps the task).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
CELERY_REDIS_SOCKET_TIMEOUT = 5
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict = {
    "scheduler-heartbeat": {"task": "core.tasks.scheduler_heartbeat", "schedule": 10.0},
    # tasks whose publish failed while Redis was away (core.outbox); stored create answers older than 24 h
    "core-drain-outbox": {"task": "core.tasks.drain_outbox", "schedule": 10.0, "options": {"expires": 30}},
    "core-purge-idempotency-keys": {"task": "core.tasks.purge_idempotency_keys", "schedule": 3600.0},
    "core-remind-approvers": {"task": "core.tasks.remind_approvers", "schedule": 3600.0},
    "catalog-revoke-expired-access": {"task": "catalog.tasks.revoke_expired_access", "schedule": 3600.0},
    "knowledge-remind-reviews": {"task": "knowledge.tasks.remind_reviews", "schedule": 3600.0 * 6},
    "incidents-auto-close": {"task": "incidents.tasks.auto_close_resolved", "schedule": 3600.0},
    # an NPS round starts when none covers today (surveys.services.start_nps_round; safe to run twice)
    "surveys-start-nps-round": {"task": "surveys.tasks.start_nps_round", "schedule": 3600.0 * 6},
    # monitoring events whose processing task was never published (Redis away): they are their own outbox
    "events-sweep-waiting": {"task": "events.tasks.sweep_waiting", "schedule": 30.0, "options": {"expires": 60}},
    # SLA warnings and breaches are recorded within SLA_SWEEP_SECONDS (+ the sweep's own time) of their moment.
    # the managers' KPI dashboard reads past months from kept values (improvement.snapshots)
    "improvement-refresh-snapshots": {"task": "improvement.tasks.refresh_snapshots", "schedule": 300.0,
                                      "options": {"expires": 240}},
    "sla-sweep": {"task": "sla.tasks.sweep", "schedule": float(envint("SLA_SWEEP_SECONDS", 5)),
                  "options": {"expires": 30}},
}
# Past months of the KPI dashboard are recomputed when their kept value is older than this (improvement.snapshots).
KPI_SNAPSHOT_MINUTES = envint("KPI_SNAPSHOT_MINUTES", 60)
# ... and the running month's when older than this (Celery recomputes the managers' default view more often).
KPI_RUNNING_SNAPSHOT_MINUTES = envint("KPI_RUNNING_SNAPSHOT_MINUTES", 10)
# Approvers who have not decided are reminded this many hours after they were asked (then again as long).
APPROVAL_REMINDER_HOURS = envint("APPROVAL_REMINDER_HOURS", 24)
# An approval e-mail's approve / reject link works this many days (and once: core.approval_links).
APPROVAL_LINK_DAYS = envint("APPROVAL_LINK_DAYS", 14)
# /healthz reports the worker down when no heartbeat arrived within this many seconds.
WORKER_HEARTBEAT_MAX_AGE = envint("WORKER_HEARTBEAT_MAX_AGE", 60)

# --- Logging -------------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Demo data ------------------------------------------------------------------------------------------
# `seed_demo` refuses to run unless this is on (make run sets it); production never seeds demo users.
ALLOW_DEMO_DATA = envbool("ALLOW_DEMO_DATA", DEBUG)
CSRF_FAILURE_VIEW = "core.views.csrf_failure"

if TESTING:
    # Fast hashing in tests only; production keeps Django's default (PBKDF2).
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING

# --- Benchmarks ---------------------------------------------------------------------------------------------
BENCH_VIEWS = envbool("ITSM_BENCH_VIEWS", False)  # mounts /bench/ping/ (core/views_bench.py) for bench/load.py

# --- Tickets --------------------------------------------------------------------------------------------
# Limits of what is accepted (core.limits; README "Limits"): each file, and all the files of one request.
ATTACHMENT_MAX_BYTES = envint("ATTACHMENT_MAX_MB", 10) * 1024 * 1024
ATTACHMENTS_MAX_TOTAL_BYTES = envint("ATTACHMENTS_MAX_TOTAL_MB", 25) * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# The SLA sweep claims due timers in batches of this size (one transaction each).
SLA_SWEEP_BATCH = envint("SLA_SWEEP_BATCH", 500)
# Resolved incidents close themselves after this many days without a reply from the requester.
INCIDENT_AUTO_CLOSE_DAYS = envint("INCIDENT_AUTO_CLOSE_DAYS", 7)

# --- Event management (events/) -----------------------------------------------------------------------------
# The user monitoring's incidents are raised by and for (created on first use: an agent in no team).
EVENTS_SYSTEM_USERNAME = env("EVENTS_SYSTEM_USERNAME", "monitoring")
# An alert that keeps firing adds at most one work note to its incident per this many minutes.
EVENTS_NOTE_INTERVAL_MINUTES = envint("EVENTS_NOTE_INTERVAL_MINUTES", 15)
# An alert that changes between firing and resolved this many times within EVENTS_FLAP_MINUTES is flapping.
EVENTS_FLAP_CHANGES = envint("EVENTS_FLAP_CHANGES", 6)
EVENTS_FLAP_MINUTES = envint("EVENTS_FLAP_MINUTES", 10)
# An alert firing again within this many minutes of the automatic resolution of its incident reopens it.
EVENTS_REOPEN_GRACE_MINUTES = envint("EVENTS_REOPEN_GRACE_MINUTES", 30)
# Alerts on CIs that share a failing dependency within this many minutes become children of one incident.
EVENTS_CORRELATION_MINUTES = envint("EVENTS_CORRELATION_MINUTES", 10)

# The currency of the cost rates and the cost of each contact (costs), an ISO 4217 code shown next to amounts.
COSTS_CURRENCY = env("COSTS_CURRENCY", "EUR")
