"""Settings for the ONMT regional tour portal.

One module, switched by environment variables (read with django-environ, from
the process environment or an optional `.env`). With nothing set the portal runs
embedded: SQLite, Celery eager, e-mails written to files. `.env.example` lists
every variable.
"""

from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key
from django.utils.translation import gettext_lazy as _

from core.brokers import broker_transport_options
from core.cache import cache_config
from onmt_portal.error_reporting import error_reporting_start

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# ------------------------------------------------------------------ core
# PRODUCTION turns on the HTTPS-only defaults and makes the secret key required.
PRODUCTION = env.bool("DJANGO_PRODUCTION", default=False)
DEBUG = env.bool("DJANGO_DEBUG", default=False)


def _secret_key() -> str:
    key = env("DJANGO_SECRET_KEY", default="")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_PRODUCTION is on.")
    # Embedded mode: a key generated once per checkout, never committed.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(exist_ok=True)
        key_file.write_text(get_random_secret_key())
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# Absolute links in e-mails and calendar files.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# ------------------------------------------------------------------ apps
DJANGO_APPS = [
    # Before the admin: its translated-field widgets and admin classes (content in fr/ar/en).
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
]
THIRD_PARTY_APPS = [
    "axes",
    "csp",
    "rest_framework",
    "drf_spectacular",
    # Swagger UI's files, served from the static files: the documentation page needs no CDN.
    "drf_spectacular_sidecar",
]
LOCAL_APPS = [
    "core",
    "onmt_portal",
    "regions",
    "plan",
    "meetings",
    "roadmap",
    "messaging",
    "api",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    # First: it times the whole answer, whatever the middleware below does with the request.
    "core.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.NulInQueryStringMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.SitePolicyCSPMiddleware",
    "core.middleware.DatabaseUnavailableMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "onmt_portal.urls"
WSGI_APPLICATION = "onmt_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "onmt_portal.context_processors.portal",
            ],
        },
    },
]

# ------------------------------------------------------------------ database
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Behind PgBouncer in transaction pooling mode, a cursor cannot outlive its transaction's server connection.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool("DATABASE_TRANSACTION_POOLING", default=False)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ------------------------------------------------------------------ cache
# On Redis, a cache that never fails a request: Redis down or hung, pages and registrations go on without it.
CACHES = {"default": cache_config(env("CACHE_URL", default="locmemcache://onmt"))}
# Shared pages (public pages, roadmap pages) are cached this long at most; changes invalidate them at once.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=60)
# The seats left on the pages listing meetings (home, tour, region) are this many seconds old at most;
# a meeting's own page, and the registration, are exact (README, "Page cache").
PAGE_CACHE_SEATS_MAX_AGE = env.int("PAGE_CACHE_SEATS_MAX_AGE", default=10)

# ------------------------------------------------------------------ auth
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "regions.auth.AccountBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "roadmap:home"
LOGOUT_REDIRECT_URL = "regions:home"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_COOKIE_HTTPONLY = True
# Sessions are written to the database and read from the cache: a signed-in page costs one query fewer,
# and with the cache down (or emptied) sessions are read from the database and survive.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Login throttling: lock a username+address pair after repeated failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# ------------------------------------------------------------------ i18n
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("ar", _("العربية")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Content staff type (titles, descriptions, venues, agendas, region profiles, roadmap labels) in the three
# languages, in columns of the same row (title_fr, title_ar, title_en: no join, no extra query); French is
# required and is what a missing translation falls back to.
MODELTRANSLATION_DEFAULT_LANGUAGE = "fr"
MODELTRANSLATION_LANGUAGES = ("fr", "ar", "en")
MODELTRANSLATION_FALLBACK_LANGUAGES = ("fr",)
# A record created in code with the plain field name (`title=…`) has its French column filled too.
MODELTRANSLATION_AUTO_POPULATE = "default"
# The slug is made from the French title, whatever the language of the admin.
MODELTRANSLATION_PREPOPULATE_LANGUAGE = "fr"
USE_I18N = True
TIME_ZONE = "Africa/Casablanca"
USE_TZ = True

# ------------------------------------------------------------------ static files
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files the portal makes or receives (minutes PDFs, evidence): never under a public URL, served by views
# after the permission check of the page they belong to.
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=VAR_DIR / "private")
# Production on several nodes: the private files in an S3-compatible bucket instead (core.storage, django-storages),
# private objects read by the portal with its own credentials (or the host's role when none are given).
PRIVATE_STORAGE_BUCKET = env("PRIVATE_STORAGE_BUCKET", default="")
PRIVATE_STORAGE_S3_OPTIONS = {
    "bucket_name": PRIVATE_STORAGE_BUCKET,
    "endpoint_url": env("PRIVATE_STORAGE_ENDPOINT_URL", default="") or None,
    "region_name": env("PRIVATE_STORAGE_REGION", default="") or None,
    "access_key": env("PRIVATE_STORAGE_ACCESS_KEY", default="") or None,
    "secret_key": env("PRIVATE_STORAGE_SECRET_KEY", default="") or None,
    "location": env("PRIVATE_STORAGE_PREFIX", default=""),
    "default_acl": "private",
    "querystring_auth": True,
    "file_overwrite": False,
}
# Evidence (files attached to roadmap items and meetings): the largest accepted, in megabytes. The proxy's
# client_max_body_size (deploy/nginx/onmt-proxy.conf, 20m) must stay above it.
EVIDENCE_MAX_UPLOAD_MB = env.int("EVIDENCE_MAX_UPLOAD_MB", default=10)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# ------------------------------------------------------------------ e-mail
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="ONMT Tournée régionale <tournee@onmt.ma>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where a person who answers an automated message reaches somebody (Reply-To of every message).
MESSAGING_REPLY_TO = env("MESSAGING_REPLY_TO", default=DEFAULT_FROM_EMAIL)
# Without EMAIL_URL, messages are written as text files in var/mail/ that a person can open.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="filemail://")
vars().update(EMAIL_CONFIG)
# django-environ drops the leading "/" of a filemail path; the folder is set on its own.
EMAIL_FILE_PATH = str(env.path("EMAIL_FILE_PATH", default=VAR_DIR / "mail"))
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
# DKIM signing by the portal itself, for a relay that does not sign: with a key file, SMTP sending signs.
DKIM_PRIVATE_KEY_FILE = env("DKIM_PRIVATE_KEY_FILE", default="")
DKIM_SELECTOR = env("DKIM_SELECTOR", default="tournee")
DKIM_DOMAIN = env("DKIM_DOMAIN", default=DEFAULT_FROM_EMAIL.rpartition("@")[2].rstrip(">"))
if DKIM_PRIVATE_KEY_FILE and EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend":  # noqa: F821 (EMAIL_CONFIG)
    EMAIL_BACKEND = "messaging.dkim.DkimEmailBackend"

# ------------------------------------------------------------------ Celery
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
# No broker configured: run tasks in-process so the embedded portal needs nothing.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 60
# A killed worker's task goes back to the queue and is delivered again.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
# Redis by default; RabbitMQ (amqp://) is supported as well (core/brokers.py).
CELERY_BROKER_TRANSPORT_OPTIONS = broker_transport_options(
    CELERY_BROKER_URL, visibility_timeout=CELERY_VISIBILITY_TIMEOUT
)
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY = False
# Beat only scans the database: anything due later than a retry is found by these, never by a long ETA.
CELERY_BEAT_SCHEDULE = {
    "expire-seat-offers": {"task": "meetings.tasks.expire_seat_offers", "schedule": 5 * 60},
    "messaging-sweep": {"task": "messaging.tasks.sweep_messages", "schedule": 60.0},
    "messaging-reminders": {"task": "meetings.tasks.send_due_reminders", "schedule": 60.0},
    "messaging-follow-ups": {"task": "meetings.tasks.send_follow_ups", "schedule": 300.0},
    "meetings-consultations": {"task": "meetings.tasks.send_due_consultations", "schedule": 300.0},
    "roadmap-proposal-outcomes": {"task": "roadmap.tasks.send_proposal_outcomes", "schedule": 300.0},
    # Every five minutes like the other sweeps (cheap once done: erased rows are skipped).
    "purge-registrations": {"task": "meetings.tasks.purge_registrations", "schedule": 300.0},
    "purge-consultation-answers": {"task": "meetings.tasks.purge_consultation_answers", "schedule": 300.0},
    # Digests are due at ROADMAP_DIGEST_HOUR; each run sends those due and not yet sent.
    "roadmap-digests": {"task": "roadmap.tasks.send_roadmap_digests", "schedule": 300.0},
    "roadmap-due-reminders": {"task": "roadmap.tasks.send_roadmap_due_reminders", "schedule": 300.0},
    # The report of the month just ended, asked for as soon as a month begins: every five minutes like the
    # sweeps, so a beat that was down at midnight on the first catches up; once made, a run finds it and stops.
    "roadmap-monthly-report": {"task": "roadmap.tasks.make_last_month_report", "schedule": 300.0},
    # Webhook deliveries whose backoff ended, and any whose task was lost.
    "webhook-deliveries": {"task": "api.tasks.webhook_deliveries_sweep", "schedule": 60.0},
}

# ------------------------------------------------------------------ messaging
# Retries of a transient SMTP error: exponential from this many seconds, capped well
# below the visibility timeout so a retried task is never redelivered as well.
MESSAGING_RETRY_BACKOFF = env.float("MESSAGING_RETRY_BACKOFF", default=5.0)
MESSAGING_RETRY_BACKOFF_MAX = min(600, CELERY_VISIBILITY_TIMEOUT // 2)
# After this many failed attempts a message is marked failed and shown to staff.
MESSAGING_MAX_ATTEMPTS = env.int("MESSAGING_MAX_ATTEMPTS", default=10)
MESSAGING_SWEEP_LIMIT = 5000
# A message whose task has not renewed its lease for this long is dispatched again by the sweep
# (its worker died, or its task ended early); a task sending renews it as it goes.
MESSAGING_LEASE_SECONDS = env.int("MESSAGING_LEASE_SECONDS", default=600)
# The outbox knows no meeting: the meetings app builds the calendar file a message carries.
MESSAGING_CALENDAR_PART = "meetings.calendar.calendar_part"
# …nor registrations: the meetings app gives the images a message shows inline (the check-in code).
MESSAGING_INLINE_IMAGES = "meetings.checkin.message_inline_images"
# Satisfaction survey links stay valid this many seconds (90 days).
MESSAGING_SURVEY_MAX_AGE = 90 * 24 * 3600

# ------------------------------------------------------------------ security
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=PRODUCTION)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=PRODUCTION)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=PRODUCTION)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.int("PROXY_COUNT", default=0) else None
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No inline script anywhere; inline style attributes only (the Django admin uses a few).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# ------------------------------------------------------------------ portal
# Declaration number of the registration processing with the CNDP (law 09-08).
CNDP_DECLARATION_NUMBER = env("CNDP_DECLARATION_NUMBER", default="D-GC-000/2026")
PRIVACY_CONTACT_EMAIL = env("PRIVACY_CONTACT_EMAIL", default="donnees-personnelles@onmt.ma")
# Registration submissions allowed per client address (django-ratelimit syntax), counted in the default cache.
REGISTRATION_RATE_LIMIT = env("REGISTRATION_RATE_LIMIT", default="20/h")
# While the cache is unreachable, registrations are taken rather than all refused as over the limit.
RATELIMIT_FAIL_OPEN = True
# How many reverse proxies in front of the portal add to X-Forwarded-For (0: use the socket's address).
PROXY_COUNT = env.int("PROXY_COUNT", default=0)
# The meetings app knows no roadmap item: the roadmap app counts what a meeting's decisions became.
MEETINGS_COMMITMENTS = "roadmap.selectors.meeting_commitments"
# …and what became of the proposals of the consultation (the roadmap items staff linked them to).
MEETINGS_PROPOSAL_OUTCOMES = "roadmap.selectors.proposal_outcomes"

# The personal link a CRT validator gets to co-sign a version of the minutes works this many days.
MINUTES_VALIDATION_LINK_DAYS = env.int("MINUTES_VALIDATION_LINK_DAYS", default=14)
# The attendees' follow-up lists the meeting's decisions: it waits for the CRT to co-sign the minutes,
# at most this many hours after the meeting ends.
MEETINGS_FOLLOW_UP_DELAY_HOURS = env.int("MEETINGS_FOLLOW_UP_DELAY_HOURS", default=24)
# An online registrant's join link forwards to the video meeting from this many minutes before the start
# until the end; before, it shows a countdown.
MEETINGS_JOIN_OPENS_MINUTES = env.int("MEETINGS_JOIN_OPENS_MINUTES", default=15)
# Registrants and invited contacts receive the consultation (markets, products, obstacles, proposals) this many
# days before the meeting starts; they may answer, and change their answer, until it starts.
MEETINGS_CONSULTATION_DAYS_BEFORE = env.int("MEETINGS_CONSULTATION_DAYS_BEFORE", default=7)

# ONMT staff answering for a roadmap item are reminded this many days before its due date (and once it is overdue).
ROADMAP_REMINDER_DAYS_BEFORE = env.int("ROADMAP_REMINDER_DAYS_BEFORE", default=7)
# Officials' digests of the roadmap's changes: daily at this hour (Africa/Casablanca), weekly on this day too
# (ISO weekday: 1 Monday … 7 Sunday).
ROADMAP_DIGEST_HOUR = env.int("ROADMAP_DIGEST_HOUR", default=8)
ROADMAP_DIGEST_WEEKDAY = env.int("ROADMAP_DIGEST_WEEKDAY", default=1)
# Who receives the monthly report (the ministry, the CNT), once per report, with its PDF attached in this language
# (fr or ar); the Arabic PDF and the spreadsheet stay downloadable by staff in the admin.
ROADMAP_MONTHLY_REPORT_RECIPIENTS = env.list("ROADMAP_MONTHLY_REPORT_RECIPIENTS", default=[])
ROADMAP_MONTHLY_REPORT_LANGUAGE = env("ROADMAP_MONTHLY_REPORT_LANGUAGE", default="fr")
if ROADMAP_MONTHLY_REPORT_LANGUAGE not in ("fr", "ar"):
    raise ImproperlyConfigured("ROADMAP_MONTHLY_REPORT_LANGUAGE must be fr or ar.")

# Only the benchmark turns this on: it serves the bare reference view at /bench/bare/.
BENCHMARK_ENDPOINTS = env.bool("BENCHMARK_ENDPOINTS", default=False)
# Only the benchmark turns this on: renders per cached page and the registration lock's hold time,
# counted in the cache (core/counters.py); each count is a round trip to Redis.
PERFORMANCE_COUNTERS = env.bool("PERFORMANCE_COUNTERS", default=False)

# ------------------------------------------------------------------ API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.TokenRequired"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ApiRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.ApiPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ONMT — API de la tournée régionale",
    "DESCRIPTION": "Tours, meetings, regions and public roadmap summaries for anybody; roadmaps, decisions, "
    "registrations and the token's own webhooks with a token (Authorization: Bearer …). Errors: {detail, code}.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.document_errors",
    ],
    "ENUM_NAME_OVERRIDES": {
        "MeetingStatusEnum": "meetings.models.Meeting.Status",
        "PublicMeetingStatusEnum": "api.filters.PUBLIC_MEETING_STATUSES",
        "RoadmapItemStatusEnum": "roadmap.models.RoadmapItem.Status",
        "RegistrationStatusEnum": "meetings.models.Registration.Status",
        "DecisionScopeEnum": "meetings.models.Decision.Scope",
        "WebhookEventEnum": "api.models.Webhook.Event",
    },
}
# Requests allowed per token, and per client address without one (DRF's syntax), counted in the shared cache.
API_TOKEN_RATE_LIMIT = env("API_TOKEN_RATE_LIMIT", default="600/min")
API_PUBLIC_RATE_LIMIT = env("API_PUBLIC_RATE_LIMIT", default="120/min")
# Who hears of the apps' changes in their transaction (core.events): the webhooks' outbox.
DOMAIN_EVENT_LISTENERS = ["api.webhooks.deliveries_queue"]
# Webhooks: an attempt waits this long for the partner's answer; retries from WEBHOOK_RETRY_BACKOFF seconds,
# doubling (at most an hour), WEBHOOK_MAX_ATTEMPTS in all; a hook failing this many deliveries in a row is
# disabled and staff are told. Private addresses (loopback, private, link-local) are refused unless allowed.
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
WEBHOOK_RETRY_BACKOFF = env.float("WEBHOOK_RETRY_BACKOFF", default=30.0)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
WEBHOOK_DISABLE_AFTER_FAILURES = env.int("WEBHOOK_DISABLE_AFTER_FAILURES", default=20)
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env.bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", default=False)
# Hooks one account may hold (made by staff in the admin or by its partner through the API): each one is a
# delivery row per event, and a partner's loop must not fill the outbox.
API_WEBHOOKS_PER_USER = env.int("API_WEBHOOKS_PER_USER", default=10)

# ------------------------------------------------------------------ monitoring
# The metrics page (/metrics) answers a bearer token or an internal address only, else 404.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])
# Errors reported to a Sentry-compatible service when its address is set; never personal data.
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    error_reporting_start(dsn=SENTRY_DSN, environment=env("SENTRY_ENVIRONMENT", default="production"))

# ------------------------------------------------------------------ logging
# One JSON object per line (LOG_FORMAT=json) for a log collector, or plain lines.
LOG_FORMATTERS = {
    "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    "json": {
        "()": "pythonjsonlogger.json.JsonFormatter",
        "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(process)d",
        "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
    },
}
LOG_FORMAT = env("LOG_FORMAT", default="text")
if LOG_FORMAT not in LOG_FORMATTERS:
    raise ImproperlyConfigured(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATTERS)}, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"portal": LOG_FORMATTERS[LOG_FORMAT]},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "portal"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # WeasyPrint reports each step of every minutes PDF, and fontTools each font it unpacks, at INFO.
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# ------------------------------------------------------------------ security: client address, retention
# The login throttling reads the client's address with the same PROXY_COUNT rule as the rate
# limits: X-Forwarded-For counts behind trusted proxies only, so a forged header cannot dodge
# the lockout (django-ipware is not installed).
AXES_CLIENT_IP_CALLABLE = "core.security.client_ip"
# The username axes records, cut to its column's length (an overlong one gave a 500 on login).
AXES_USERNAME_CALLABLE = "core.security.login_username"
# Registrations of meetings that ended longer ago than this are erased by `purge_registrations`
# (law 09-08: kept no longer than needed); their personal links stop working from then on.
REGISTRATION_RETENTION_DAYS = env.int("REGISTRATION_RETENTION_DAYS", default=365)
