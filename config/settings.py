"""Settings for ordergraph, read from the environment (twelve-factor style)."""

import ipaddress
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

from config.admin_url import admin_url

# Lets generic Django classes (ModelAdmin[Product], QuerySet[Order]) be
# subscripted at run time, as the type checker expects.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value is None or value.strip() == "" else int(value)


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return default if value is None or value.strip() == "" else float(value)


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (export DEBUG=1 for local use)."
        )
    SECRET_KEY = "dev-only-insecure-secret-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
# Origins of browser frontends served elsewhere (a dev server on another port,
# app.example.com): they get credentialed CORS on the API (django-cors-headers)
# and pass the CSRF Origin check, so this one setting lets them in.
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", [])
CORS_ALLOW_CREDENTIALS = True
CORS_URLS_REGEX = r"^/graphql/$"
# A throttled request's 429 says when to retry (README "Request limits").
CORS_EXPOSE_HEADERS = ["Retry-After"]
CSRF_TRUSTED_ORIGINS = [
    *env_list("CSRF_TRUSTED_ORIGINS", []),
    *CORS_ALLOWED_ORIGINS,
]
# The admin signs staff in with a password form: outside DEBUG it is served
# only where ADMIN_URL puts it ("" turns it off; README "Production mode").
ADMIN_URL = admin_url(os.environ.get("ADMIN_URL"), debug=DEBUG)
# A JSON error for GraphQL clients, Django's page for the admin.
CSRF_FAILURE_VIEW = "schema.http.csrf_failure"

INSTALLED_APPS = [
    # First, so that `runserver` (make run) is daphne's ASGI server: plain HTTP
    # and the GraphQL WebSocket on one port.
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "axes",
    "strawberry_django",
    "channels",
    "backend.accounts",
    "backend.products",
    "backend.orders",
    "backend.demo",
]

MIDDLEWARE = [
    # Probes first: /healthz and /readyz touch nothing below (README
    # "Operations"); then the request id, timing and SQL count of the rest.
    "schema.observability.health.HealthMiddleware",
    "schema.observability.middleware.ObservabilityMiddleware",
    # Then: every later reader of REMOTE_ADDR sees the client, not the front.
    "schema.proxies.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before CommonMiddleware: a preflight is answered here, never by the view.
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "schema/templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# The embedded default keeps `make run` free of any server; production points
# DATABASE_URL at PostgreSQL. Persistent connections with health checks: the
# chosen serving model (WSGI workers) reuses one connection per worker.
_conn_max_age = int(os.environ.get("CONN_MAX_AGE", "600"))
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=_conn_max_age,
        conn_health_checks=True,
    )
}
# An optional read replica of the primary: the reads of GraphQL query
# operations go to it, everything else stays on the primary (the rules are in
# config/db_routers.py).
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.config(
        env="DATABASE_REPLICA_URL",
        conn_max_age=_conn_max_age,
        conn_health_checks=True,
    )
    DATABASE_ROUTERS = ["config.db_routers.PrimaryReplicaRouter"]

# Behind PgBouncer in transaction pooling mode (README "Operations"), a server
# connection is this worker's for one transaction only: a server-side cursor
# (.iterator()) would outlive it. Worker connections to PgBouncer may stay
# persistent (CONN_MAX_AGE): they hold no PostgreSQL backend.
DATABASE_TRANSACTION_POOLING = env_bool("DATABASE_TRANSACTION_POOLING", default=False)
if DATABASE_TRANSACTION_POOLING:
    for _database in DATABASES.values():
        _database["DISABLE_SERVER_SIDE_CURSORS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# django-axes checks every sign-in (ours and the admin's) before the password
# is looked at; see "Failed sign-ins" below for its limits.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# GraphiQL and its vendored assets (tools/graphiql_assets.py).
STATICFILES_DIRS = [BASE_DIR / "schema/static"]

# One line per request from ordergraph.requests (README "Operations"); JSON
# lines for a log pipeline, text (the default) for a terminal.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").strip().lower() or "text"
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r}: use 'text' or 'json'.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "schema.observability.logs.JsonFormatter"},
        "text": {"format": "%(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Strawberry logs every GraphQL error at ERROR with a traceback, a bad
        # argument as loudly as a bug. schema/errors.py logs the unexpected
        # ones, with the errorId the client sees; the rest are the client's.
        "strawberry.execution": {"level": "CRITICAL"},
    },
}

STRAWBERRY_DJANGO = {
    "MUTATIONS_DEFAULT_HANDLE_ERRORS": True,
    "MUTATIONS_DEFAULT_ARGUMENT_NAME": "input",
}

# GraphQL knobs: the relay page cap and whether the browser IDE is served.
GRAPHQL_MAX_PAGE_SIZE = int(os.environ.get("GRAPHQL_MAX_PAGE_SIZE", "100"))
# Page size when a client gives neither `first` nor `last`.
GRAPHQL_DEFAULT_PAGE_SIZE = int(os.environ.get("GRAPHQL_DEFAULT_PAGE_SIZE", "20"))
GRAPHQL_IDE_ENABLED = env_bool("GRAPHQL_IDE_ENABLED", default=DEBUG)
if GRAPHQL_IDE_ENABLED and not DEBUG:
    # runserver serves static files in DEBUG; elsewhere WhiteNoise serves the
    # IDE's assets, straight from the finders: no collectstatic step.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
        "whitenoise.middleware.WhiteNoiseMiddleware",
    )
    WHITENOISE_USE_FINDERS = True
# Introspection (`__schema`, `__type`) maps the whole API for an attacker; the
# schema is published as schema/schema.graphql for clients that need it.
GRAPHQL_INTROSPECTION_ENABLED = env_bool("GRAPHQL_INTROSPECTION_ENABLED", default=DEBUG)

# What one request may ask for (README "Security"). Every frontend operation
# stays far below each of them; a test checks it.
GRAPHQL_MAX_DEPTH = env_int("GRAPHQL_MAX_DEPTH", 10)
GRAPHQL_MAX_ALIASES = env_int("GRAPHQL_MAX_ALIASES", 15)
GRAPHQL_MAX_TOKENS = env_int("GRAPHQL_MAX_TOKENS", 2000)
GRAPHQL_MAX_ROOT_FIELDS = env_int("GRAPHQL_MAX_ROOT_FIELDS", 10)
# Fields once every fragment is spread where it is used: measured before
# validation, so a fragment bomb is refused before any rule expands it.
GRAPHQL_MAX_FIELDS = env_int("GRAPHQL_MAX_FIELDS", 100)
GRAPHQL_MAX_COST = env_int("GRAPHQL_MAX_COST", 1000)
GRAPHQL_MAX_LIST_INPUT_LENGTH = env_int("GRAPHQL_MAX_LIST_INPUT_LENGTH", 100)
GRAPHQL_MAX_STRING_INPUT_LENGTH = env_int("GRAPHQL_MAX_STRING_INPUT_LENGTH", 10_000)
GRAPHQL_MAX_INPUT_DEPTH = env_int("GRAPHQL_MAX_INPUT_DEPTH", 8)
# Cost over time, per client (README "Security"): a bucket of this many points
# that refills at this many points a second; 0 turns it off. Two workers serve
# a loop of MyOrders (cost 62) at about 160 a second and of Me at about 200
# (bench/throttle.py --loops): the defaults stop them after 0.2 s and 2-3 s,
# while all the frontend's operations once spend 767 points.
GRAPHQL_COST_BUCKET = env_int("GRAPHQL_COST_BUCKET", 2000)
GRAPHQL_COST_RESTORE_RATE = env_float("GRAPHQL_COST_RESTORE_RATE", 100.0)
if GRAPHQL_COST_BUCKET < 0 or 0 < GRAPHQL_COST_BUCKET < GRAPHQL_MAX_COST:
    raise ImproperlyConfigured(
        f"GRAPHQL_COST_BUCKET={GRAPHQL_COST_BUCKET} must be 0 (off) or at least "
        f"GRAPHQL_MAX_COST={GRAPHQL_MAX_COST}: a smaller bucket could never pay "
        "for an operation the cost cap allows."
    )
if GRAPHQL_COST_BUCKET and not 0 < GRAPHQL_COST_RESTORE_RATE < float("inf"):
    raise ImproperlyConfigured(
        f"GRAPHQL_COST_RESTORE_RATE={GRAPHQL_COST_RESTORE_RATE} must be a positive "
        "number of points per second."
    )

# Django's cache holds the cost buckets: local memory (per process) unless
# REDIS_URL is set, then Redis, which every worker shares. Short timeouts: a
# slow Redis must not hold requests (throttle.py serves them without it).
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    ),
    # Persisted documents (schema/persisted.py), apart from the cost buckets:
    # documents registered by clients must never evict a bucket. Each is at
    # most DATA_UPLOAD_MAX_MEMORY_SIZE bytes; local memory keeps at most
    # GRAPHQL_PERSISTED_DOCUMENTS_MAX_ENTRIES per process (least recently used
    # go first); Redis keeps each a day, within its maxmemory policy.
    "persisted_documents": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "persisted-documents",
            "TIMEOUT": 24 * 60 * 60,
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        }
        if REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "persisted-documents",
            "TIMEOUT": None,
            "OPTIONS": {
                "MAX_ENTRIES": env_int("GRAPHQL_PERSISTED_DOCUMENTS_MAX_ENTRIES", 200)
            },
        }
    ),
}
# Persisted documents: "only" runs the documents of the trusted manifest
# (`make documents` writes it from the frontend contract) and refuses any
# other; "" (the default) runs any document, by hash once registered.
GRAPHQL_TRUSTED_DOCUMENTS = os.environ.get("GRAPHQL_TRUSTED_DOCUMENTS", "").strip()
if GRAPHQL_TRUSTED_DOCUMENTS not in {"", "only"}:
    raise ImproperlyConfigured(
        f"GRAPHQL_TRUSTED_DOCUMENTS={GRAPHQL_TRUSTED_DOCUMENTS!r}: it is 'only' "
        "or unset."
    )
GRAPHQL_TRUSTED_DOCUMENTS_MANIFEST = BASE_DIR / "schema/trusted-documents.json"

# Request bodies over this many bytes are refused with 413 before parsing.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 256 * 1024)

# Failed sign-ins (django-axes, recorded in the database so every worker sees
# them). Per account and address, then per account from anywhere (slower,
# distributed guessing); both refuse even the right password until the window
# passes. Per address alone only refuses failing attempts, with a high limit:
# one office behind a NAT shares an address.
LOGIN_FAILURE_LIMIT_PER_ACCOUNT_AND_ADDRESS = env_int(
    "LOGIN_FAILURE_LIMIT_PER_ACCOUNT_AND_ADDRESS", 5
)
LOGIN_FAILURE_LIMIT_PER_ACCOUNT = env_int("LOGIN_FAILURE_LIMIT_PER_ACCOUNT", 20)
LOGIN_FAILURE_LIMIT_PER_ADDRESS = env_int("LOGIN_FAILURE_LIMIT_PER_ADDRESS", 100)
LOGIN_FAILURE_WINDOW = timedelta(minutes=env_int("LOGIN_FAILURE_WINDOW_MINUTES", 15))
AXES_ENABLED = env_bool("LOGIN_THROTTLE_ENABLED", default=True)
AXES_HANDLER = "backend.accounts.lockout.LoginLockoutHandler"
# In the order of the limits above; the handler pairs them up.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
# Failures count per canonical name, so every case and form of it share one.
AXES_USERNAME_CALLABLE = "backend.accounts.lockout.lockout_username"
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT_PER_ACCOUNT_AND_ADDRESS
AXES_COOLOFF_TIME = LOGIN_FAILURE_WINDOW
# Attempts refused during a lockout are not failures: they never extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Failures are what we throttle on; successful sign-ins need no second log.
AXES_DISABLE_ACCESS_LOG = True
# No "AXES: BEGIN ..." banner on every process start and manage.py command.
AXES_VERBOSE = False
# The login mutation reports a lockout as TOO_MANY_ATTEMPTS itself, so axes'
# middleware (an HTML or redirect response) has nothing to add.
SILENCED_SYSTEM_CHECKS = ["axes.W002"]

# Addresses (or networks) of the proxies whose X-Real-IP names the client
# (README "Production topology"); empty: REMOTE_ADDR is the client.
# deploy/stack.py sets it to the front's address for gunicorn.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXIES: {_proxy!r} is not an IP address or network."
        ) from None

# Production behind HTTPS (README "Security"). Each is off unless set, so that
# production mode still serves plain HTTP on loopback and behind a proxy that
# terminates TLS.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=False)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool(
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False
)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
# e.g. "HTTP_X_FORWARDED_PROTO,https": trust the proxy's word that the client
# used HTTPS. Only behind a proxy that sets (and strips) that header.
_proxy_ssl_header = env_list("SECURE_PROXY_SSL_HEADER", [])
if _proxy_ssl_header and len(_proxy_ssl_header) != 2:
    raise ImproperlyConfigured(
        "SECURE_PROXY_SSL_HEADER is 'HEADER,value', "
        "e.g. 'HTTP_X_FORWARDED_PROTO,https'."
    )
SECURE_PROXY_SSL_HEADER = (
    (_proxy_ssl_header[0], _proxy_ssl_header[1]) if _proxy_ssl_header else None
)

# Live updates (README "Live updates"): events travel through a channel layer,
# Redis when REDIS_URL (above) is set: every ASGI process and HTTP worker
# share it; else this process's memory (make run, single-process tests).
CHANNEL_LAYERS = {
    "default": (
        {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
        if REDIS_URL
        else {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    )
}
# Per WebSocket connection: live subscriptions at once, and seconds a client
# has to send connection_init after the handshake.
GRAPHQL_MAX_SUBSCRIPTIONS_PER_CONNECTION = env_int(
    "GRAPHQL_MAX_SUBSCRIPTIONS_PER_CONNECTION", 20
)
GRAPHQL_CONNECTION_INIT_TIMEOUT_SECONDS = env_int(
    "GRAPHQL_CONNECTION_INIT_TIMEOUT_SECONDS", 10
)

# Operations (README "Operations"). /readyz gives each check (a database,
# Redis) this many seconds.
READINESS_TIMEOUT_SECONDS = env_float("READINESS_TIMEOUT_SECONDS", 2.0)
# Operation names counted under their own name in the metrics besides the
# frontend contract's (schema/observability/metrics.py); any other is `other`.
GRAPHQL_METRICS_OPERATIONS = frozenset(env_list("GRAPHQL_METRICS_OPERATIONS", []))
if len(GRAPHQL_METRICS_OPERATIONS) > 100:
    raise ImproperlyConfigured(
        "GRAPHQL_METRICS_OPERATIONS: at most 100 names (each is a set of series)."
    )
# Traces over OTLP/HTTP, to OTEL_EXPORTER_OTLP_ENDPOINT (the standard OTEL_*
# variables configure the exporter); off when neither is set.
TRACING_ENABLED = env_bool(
    "TRACING_ENABLED",
    default=bool(
        os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    ),
)
