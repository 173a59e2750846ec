"""Settings for the annotation tool, read from the environment.

Everything that differs between a laptop, CI and production comes from
environment variables (see the table in README.md). The default is a local
SQLite file with DEBUG on, so `make run` needs no other service.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default):
    """Read a yes/no environment variable."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DJANGO_DEBUG", True)

# Only for local development: refuses to start with DEBUG off.
_DEV_SECRET_KEY = "dev-only-insecure-key-set-DJANGO_SECRET_KEY-in-production"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set: set it to a long random string "
            "(for example: python -c 'import secrets; print(secrets.token_urlsafe(50))') "
            "when DJANGO_DEBUG is off."
        )
    SECRET_KEY = _DEV_SECRET_KEY
elif not DEBUG and (SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is too short or is the development key: "
        "set it to a random string of at least 50 characters when DJANGO_DEBUG is off."
    )

ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")
    if host.strip()
]
CSRF_TRUSTED_ORIGINS = [
    origin.strip()
    for origin in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",")
    if origin.strip()
]
# A refused form says what happened and what to do, inside the site's own page.
CSRF_FAILURE_VIEW = "annotate.error_views.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "annotate",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Pages, API answers and streamed exports are gzipped for clients that accept it; a stream stays a
    # stream (compressed as it is written, in zlib's fixed buffers). Static files come precompressed from WhiteNoise.
    "django.middleware.gzip.GZipMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "project.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "project.wsgi.application"

# Each worker keeps its database connection between requests (opening one costs more than a tag on
# PostgreSQL) and checks it before reusing it, so a restarted database costs one failed check, not a 500.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "600")),
        conn_health_checks=True,
    )
}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several annotators save at once: take the write lock when a transaction starts (no
    # deadlocked read-to-write upgrades), wait for it rather than fail, and let readers
    # go on while someone writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        transaction_mode="IMMEDIATE",
        timeout=20,
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    )

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
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
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "project-list"
LOGOUT_REDIRECT_URL = "login"

# Uploads and API bodies: an article is a few KB; 5 MB is the importer's own limit.
ARTICLE_MAX_BYTES = 5 * 1024 * 1024
# An ordinary article at the byte limit has about 37,000 sentences; text of nothing but dots has a million.
ARTICLE_MAX_SEGMENTS = int(os.environ.get("DJANGO_ARTICLE_MAX_SEGMENTS", "60000"))
DATA_UPLOAD_MAX_MEMORY_SIZE = ARTICLE_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = ARTICLE_MAX_BYTES + 1024 * 1024

# A JSON body for one annotation is a few hundred bytes.
API_MAX_JSON_BYTES = 1024 * 1024

REST_FRAMEWORK = {
    "DEFAULT_PARSER_CLASSES": [
        "annotate.api.parsers.LimitedJSONParser",
        "annotate.api.parsers.LimitedFormParser",
        "annotate.api.parsers.LimitedMultiPartParser",
    ],
    "EXCEPTION_HANDLER": "annotate.api.exceptions.exception_handler",
    "URL_FORMAT_OVERRIDE": None,
    "DEFAULT_THROTTLE_RATES": {"token": os.environ.get("DJANGO_TOKEN_RATE", "20/min")},
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "annotate.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "annotate.api.filters.FilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "annotate.api.pagination.Pagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Source-bias and framing annotation API",
    "DESCRIPTION": "Documents, sentence segments, annotations on five codebook layers, review and exports.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The schema is tested against the running API (tests/test_api_schemathesis.py), so it must be
    # exact: request and response shapes apart (read-only fields are not asked for), JSON bodies
    # only where the views read JSON, and the hooks in annotate/api/schema.py add the error
    # responses, export content types and nullable fields that introspection cannot see.
    "COMPONENT_SPLIT_REQUEST": True,
    "PARSER_WHITELIST": ["annotate.api.parsers.LimitedJSONParser"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "annotate.api.schema.add_error_responses",
        "annotate.api.schema.fix_field_schemas",
        "annotate.api.schema.document_text_limits",
        "annotate.api.schema.document_filled_filters",
        "annotate.api.schema.document_export_types",
    ],
}

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    # Proxies and process managers probe each app server directly, over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"

# --- Log-in lockout, API tokens and proxy trust -------------------------------------------
# How many reverse proxies stand in front of the app. Only their headers are believed: with 0,
# X-Forwarded-Proto is ignored and the client address is REMOTE_ADDR; with N, it is the N-th
# address from the right of X-Forwarded-For (see annotate.net.client_address).
TRUSTED_PROXIES = int(os.environ.get("DJANGO_TRUSTED_PROXIES", "0"))
if TRUSTED_PROXIES > 0:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXIES

# --- The shared cache: Redis in a cluster, this process's memory otherwise ------------------
# With DJANGO_REDIS_URL every app server shares the API throttle counters, the log-in lockout
# counters and the cached agreement figures; without it (one server, `make run`, tests) each
# process keeps its own.
REDIS_URL = os.environ.get("DJANGO_REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("DJANGO_CACHE_PREFIX", "annotate"),
            "TIMEOUT": None,
        }
    }
else:
    # The dashboard keeps two entries per document: room for a few thousand documents per process.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "TIMEOUT": None,
                          "OPTIONS": {"MAX_ENTRIES": 10000}}}

# One lockout for every log-in door (pages, admin, POST /api/token/), counted where every worker
# and app server sees the same failures (django-axes): in Redis when there is one, else in the database.
INSTALLED_APPS += ["axes"]
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = ("axes.handlers.cache.AxesCacheHandler" if REDIS_URL
                else "axes.handlers.database.AxesDatabaseHandler")
AXES_FAILURE_LIMIT = int(os.environ.get("DJANGO_LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "annotate.net.client_address"
AXES_LOCKOUT_CALLABLE = "annotate.logins.lockout_response"

# API tokens (annotate.models.ApiToken) stop working this many days after they are issued.
TOKEN_TTL_DAYS = int(os.environ.get("DJANGO_TOKEN_TTL_DAYS", "30"))
# --- end of log-in lockout, API tokens and proxy trust ------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}

# A JSON export restored through the API is read into memory: cap it.
RESTORE_MAX_BYTES = int(os.environ.get("DJANGO_RESTORE_MAX_BYTES", str(200 * 1024 * 1024)))

# --- Content-Security-Policy, CSP reports and Cache-Control ---------------------------------
# django-csp sets an enforced policy on every response that has none of its own (the html
# export keeps its stricter one). No inline script anywhere: pages load one JS file each,
# page data travels in json_script blocks, the Swagger UI uses the split view. Inline
# style *attributes* stay allowed (label colours and bar widths come from the database);
# <style> elements do not.
INSTALLED_APPS.append("csp")
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
                  "csp.middleware.CSPMiddleware")
# After WhiteNoise, so static files keep their own caching; pages and API answers are never stored.
MIDDLEWARE.insert(MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware") + 1,
                  "annotate.middleware.NoStoreMiddleware")
CSP_REPORT_PATH = "/csp-report/"
CSP_REPORT_MAX_BYTES = 64 * 1024
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
        "report-uri": [CSP_REPORT_PATH],
    },
}

# Bad input and server errors (annotate/middleware.py). An API body is capped by its Content-Length
# before CsrfViewMiddleware reads a form: API_MAX_JSON_BYTES for every content type, the upload views'
# own limits for files. A database outage answers 503 with Retry-After; an API crash, JSON with no trace.
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.csrf.CsrfViewMiddleware"),
                  "annotate.middleware.RequestBodyLimitMiddleware")
MIDDLEWARE.append("annotate.middleware.ServerErrorMiddleware")
