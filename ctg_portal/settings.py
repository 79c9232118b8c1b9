"""Settings of the CTG Portal, one module driven by the environment (django-environ).

Without any environment variable the portal runs on a local SQLite file with Celery in eager mode:
that is what ``make run`` uses on a laptop. CI and production set ``DATABASE_URL`` (PostgreSQL) and
``REDIS_URL`` (Celery broker and result backend).
"""

import warnings
from pathlib import Path

import environ
from celery.schedules import crontab
from csp import constants as csp
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

# pyHanko imports cryptography's DSA key classes to recognise (never to make) DSA signatures, which
# cryptography >= 51 deprecates: not the portal's to fix, and noise in every command's output.
warnings.filterwarnings("ignore", message="DSA is deprecated", module=r"pyhanko\.sign\.signers\.pdf_cms")

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# A fixed development key is only acceptable while DEBUG is on; production must set its own.
SECRET_KEY = env.str("SECRET_KEY", default="") or ("django-insecure-ctg-portal-development-only" if DEBUG else "")
if not SECRET_KEY:
    raise environ.ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "ctg_portal.admin_site.PortalAdminConfig",  # django.contrib.admin, with the portal's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_filters",
    "simple_history",
    "axes",
    "django_celery_beat",
    "csp",
    # The portal's apps, from the bottom layer up: each imports only the ones before it in this list
    # (import-linter contracts in pyproject.toml, checked by `make quality`).
    "partners",
    "conventions",
    "diagnostics",
    "action_plans",
    "documents",
    "workflow",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files are answered here, before the headers below (no CSP, no Cache-Control: no-store).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "ctg_portal.middleware.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ctg_portal.middleware.IdleSessionMiddleware",
    "ctg_portal.middleware.FrenchByDefaultLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "ctg_portal.middleware.PrivateCacheForAuthenticatedUsersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes requires.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ctg_portal.urls"
WSGI_APPLICATION = "ctg_portal.wsgi.application"

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
                "django.template.context_processors.i18n",
            ],
            # The administration's large lists write their rows in Python (ctg_portal/admin_rows.py).
            "libraries": {"large_lists": "ctg_portal.admin_rows"},
            # Tests turn this into an exception (see tests/conftest.py).
            "string_if_invalid": env.str("TEMPLATE_STRING_IF_INVALID", default=""),
        },
    },
]

# --- Database --------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})
    # A runaway query or a lock held by a stuck transaction must not freeze every worker.
    DATABASES["default"]["OPTIONS"]["options"] = "-c statement_timeout=30000 -c lock_timeout=10000"
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication --------------------------------------------------------------------------
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
LOGIN_REDIRECT_URL = "workflow:home"
LOGOUT_REDIRECT_URL = "login"

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# A session ends after this many minutes without a request (an unattended office computer): activity
# pushes the expiry back (ctg_portal.middleware.IdleSessionMiddleware, at most once a minute).
# Django's default would keep a session alive for 14 days.
SESSION_IDLE_TIMEOUT_MINUTES = env.int("SESSION_IDLE_TIMEOUT_MINUTES", default=120)
if SESSION_IDLE_TIMEOUT_MINUTES < 1:
    raise environ.ImproperlyConfigured("SESSION_IDLE_TIMEOUT_MINUTES must be 1 or more.")
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT_MINUTES * 60
SESSION_ENGINE = "ctg_portal.sessions"
# A form posted from a page left open for too long gets a French page saying to reload it.
CSRF_FAILURE_VIEW = "ctg_portal.views.csrf_failure"
# The password `manage.py load_demo` gives every demo account; empty: a random one at each run.
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="")

# --- Security headers (production: see « Mise en production » in the README) -----------------
# HTTPS. Off by default so that `make run` works over plain HTTP; production turns them on.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Behind a reverse proxy that terminates TLS, Django sees plain HTTP: trust the proxy's
# X-Forwarded-Proto, only when the proxy always sets it (else a client could claim HTTPS).
if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Likewise the client's address (audit trail, login lockouts, rate limits) from the proxy's X-Real-IP.
if env.bool("TRUST_X_REAL_IP", default=False):
    MIDDLEWARE.insert(0, "ctg_portal.middleware.RealClientAddressMiddleware")
# Content-Security-Policy (django-csp): the portal's own files only, inline <script> elements only
# with the request's nonce (`nonce="{{ request.csp_nonce }}"`), no inline style at all (put it in
# static/css/), no framing, no plugin, forms posted to the portal only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF, csp.NONCE],
        "style-src": [csp.SELF],
        # data: for Bootstrap's inline SVG icons (navbar toggler, form controls) and the favicon.
        "img-src": [csp.SELF, "data:"],
        "object-src": [csp.NONE],
        "base-uri": [csp.NONE],
        "form-action": [csp.SELF],
        "frame-ancestors": [csp.NONE],
    },
}
# Browser features the portal never uses, refused to every page (and anything injected into one).
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

# --- Internationalisation --------------------------------------------------------------------
LANGUAGE_CODE = "fr-fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True

# --- Static and private files ----------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Uploaded and generated files (scanned signatures, PDFs) are private: no URL pattern and no static
# server serves MEDIA_URL (a test checks that it answers 404); files are only streamed by views that
# check the user's permissions. The value exists because Django's test live server requires one.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
MEDIA_URL = "/media/"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Celery ----------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    # No broker configured (a laptop on SQLite): run tasks in-process.
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
# A broker outage must cost a web request about a second, not the 20-30 s of Celery's defaults (nor
# a worker killed by gunicorn's timeout): the action is committed anyway, its row stays pending and
# a sweeper sends the task again (ctg_portal/queueing.py). Redis answers in milliseconds here.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Connecting for a publish: one retry, then give up.
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
    "socket_connect_timeout": 1,
    # A broker gone without closing the connection: a command fails instead of waiting forever (the
    # worker's BRPOP waits 1 s at most, below this).
    "socket_timeout": 2,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 1
CELERY_REDIS_SOCKET_TIMEOUT = 5
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# The periodic jobs; the DatabaseScheduler copies these entries into its tables at start-up (their
# times can then be changed in the admin). Times are CELERY_TIMEZONE's (Paris).
CELERY_BEAT_SCHEDULE = {
    "apply-calendar-transitions": {
        "task": "conventions.tasks.apply_calendar_transitions",
        "schedule": crontab(hour=5, minute=30),
    },
    "send-signature-reminders": {
        "task": "conventions.tasks.send_signature_reminders",
        "schedule": crontab(hour=8, minute=0),
    },
    "send-renewal-alerts": {
        "task": "conventions.tasks.send_renewal_alerts",
        "schedule": crontab(hour=8, minute=0),
    },
    "requeue-unsent-notifications": {
        "task": "conventions.tasks.requeue_unsent_notifications",
        "schedule": crontab(minute=20),
    },
    # What a broker outage left pending (tasks never sent): sent again once the broker is back.
    "requeue-stalled-documents": {
        "task": "conventions.tasks.requeue_stalled_documents",
        "schedule": crontab(minute="*/5"),
    },
    "requeue-unqueued-notifications": {
        "task": "conventions.tasks.requeue_unqueued_notifications",
        "schedule": crontab(minute="*/5"),
    },
    # Invitations whose e-mail never went (a broker outage, an SMTP server down for long).
    "requeue-unsent-invitations": {
        "task": "partners.tasks.requeue_unsent_invitations",
        "schedule": crontab(minute="*/10"),
    },
}

# --- E-mail ----------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Portail CTG <ne-pas-repondre@ctg.local>")
# Seconds before an unresponsive SMTP server counts as a failure (the task then retries later).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
# The portal's public address, for the links e-mails carry (they are written outside any request).
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://localhost:8000")
# Pending signatories are reminded every so many days; staff and copil members are warned so many
# months before a convention ends that it must be renewed.
SIGNATURE_REMINDER_DAYS = env.int("SIGNATURE_REMINDER_DAYS", default=7)
RENEWAL_ALERT_MONTHS = env.int("RENEWAL_ALERT_MONTHS", default=6)
if SIGNATURE_REMINDER_DAYS < 1 or RENEWAL_ALERT_MONTHS < 1:
    raise environ.ImproperlyConfigured("SIGNATURE_REMINDER_DAYS and RENEWAL_ALERT_MONTHS must be 1 or more.")
# An invitation's link works once, for so many days; a password reset link, for Django's
# PASSWORD_RESET_TIMEOUT (three days). Asking for a reset link: so many requests per address and as
# many per e-mail in each window, beyond which the form says to wait.
INVITATION_VALIDITY_DAYS = env.int("INVITATION_VALIDITY_DAYS", default=14)
if INVITATION_VALIDITY_DAYS < 1:
    raise environ.ImproperlyConfigured("INVITATION_VALIDITY_DAYS must be 1 or more.")
PASSWORD_RESET_RATE_LIMIT = env.int("PASSWORD_RESET_RATE_LIMIT", default=5)
PASSWORD_RESET_RATE_WINDOW_SECONDS = env.int("PASSWORD_RESET_RATE_WINDOW_SECONDS", default=3600)

# --- Territory data --------------------------------------------------------------------------
# Every EPCI and commune of France, shipped compressed in the repository (data/territories/README.md);
# data/territories/extract/ holds the two EPCIs of the demo, `make territories-full` a newer release.
TERRITORY_DATA_DIR = env.path("TERRITORY_DATA_DIR", default=BASE_DIR / "data" / "territories" / "france")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # WeasyPrint narrates every layout step at INFO: only its warnings (missing resources) are worth a line.
    "loggers": {"axes": {"level": "WARNING"}, "weasyprint.progress": {"level": "WARNING"}},
}

# --- Documents of record (PDF) ---------------------------------------------------------------
# The portal signs the PDFs it issues with this PKCS#12 certificate (PAdES). `make run` creates a
# self-signed one for development (`manage.py make_signing_certificate`); production gives its own.
PDF_SIGNING_PKCS12 = env.path("PDF_SIGNING_PKCS12", default=BASE_DIR / "var" / "signing" / "portal-dev.p12")
PDF_SIGNING_PASSPHRASE = env.str("PDF_SIGNING_PASSPHRASE", default="ctg-dev-only" if DEBUG else "")
# The seal's long-term proof (README, « Signature des documents »). With a timestamp authority (RFC 3161)
# named here, each seal carries its timestamp and the certificates and CRL/OCSP answers that prove it
# (PAdES B-LT; B-LTA adds a document timestamp); without one, seals are PAdES B-B (server clock).
PDF_TIMESTAMP_URL = env.str("PDF_TIMESTAMP_URL", default="")
PDF_TIMESTAMP_USERNAME = env.str("PDF_TIMESTAMP_USERNAME", default="")
PDF_TIMESTAMP_PASSWORD = env.str("PDF_TIMESTAMP_PASSWORD", default="")
PDF_TIMESTAMP_TIMEOUT_SECONDS = env.int("PDF_TIMESTAMP_TIMEOUT_SECONDS", default=10)
PDF_TIMESTAMP_ARCHIVAL = env.bool("PDF_TIMESTAMP_ARCHIVAL", default=False)  # B-LTA: a document timestamp too
# Roots trusted when gathering that proof, besides the CA certificates in the PKCS#12 file (the TSA's root).
PDF_VALIDATION_TRUST_ROOTS = env.str("PDF_VALIDATION_TRUST_ROOTS", default="")  # a PEM bundle
# The seal's /Location: a place (« Cahors »), never a URL; empty, the seal names none.
PDF_SIGNATURE_LOCATION = env.str("PDF_SIGNATURE_LOCATION", default="")
if PDF_TIMESTAMP_ARCHIVAL and not PDF_TIMESTAMP_URL:
    raise environ.ImproperlyConfigured("PDF_TIMESTAMP_ARCHIVAL needs a timestamp authority (PDF_TIMESTAMP_URL).")
if "://" in PDF_SIGNATURE_LOCATION:
    raise environ.ImproperlyConfigured("PDF_SIGNATURE_LOCATION is a place (« Cahors »), not a URL.")
# A render taking longer is stopped (Celery soft time limit) and marked failed, with a retry button.
DOCUMENT_RENDER_TIME_LIMIT = env.int("DOCUMENT_RENDER_TIME_LIMIT", default=300)

# --- Files from users: PDF sandbox and rate limits -------------------------------------------
# Every PDF a user uploads (verification page, paper-signature scans) is parsed in a child process
# (ctg_portal/pdf_sandbox.py) with these limits: address space, CPU time, and wall-clock time after
# which the parent kills it. A portal document is checked in about one second of CPU.
PDF_SANDBOX_MEMORY_MB = env.int("PDF_SANDBOX_MEMORY_MB", default=512)
PDF_SANDBOX_CPU_SECONDS = env.int("PDF_SANDBOX_CPU_SECONDS", default=3)
PDF_SANDBOX_WALL_SECONDS = env.int("PDF_SANDBOX_WALL_SECONDS", default=6)
# A scanned signature page: a readable PDF of at most so many pages.
SCAN_MAX_PAGES = env.int("SCAN_MAX_PAGES", default=20)
# The verification page: so many files per person and as many per IP address in each window.
VERIFICATION_RATE_LIMIT = env.int("VERIFICATION_RATE_LIMIT", default=20)
VERIFICATION_RATE_WINDOW_SECONDS = env.int("VERIFICATION_RATE_WINDOW_SECONDS", default=600)
if min(PDF_SANDBOX_MEMORY_MB, PDF_SANDBOX_CPU_SECONDS, PDF_SANDBOX_WALL_SECONDS, SCAN_MAX_PAGES) < 1:
    raise environ.ImproperlyConfigured("The PDF_SANDBOX_* limits and SCAN_MAX_PAGES must be 1 or more.")
# Cached fragments of the convention's pages (conventions/render_cache.py), in the ``render`` cache below.
# The release token is part of every key; empty, it is a digest of the code, templates, translations and
# static files (so each deployment, and each edit in development, has keys of its own, and every worker
# of one deployment shares them).
RENDER_CACHE_ENABLED = env.bool("RENDER_CACHE_ENABLED", default=True)
RENDER_CACHE_RELEASE = env.str("RENDER_CACHE_RELEASE", default="")
RENDER_CACHE_SECONDS = env.int("RENDER_CACHE_SECONDS", default=24 * 3600)
# Where the fragments live: a Redis URL (default REDIS_URL: shared by every worker and machine); empty, or
# without Redis, each process keeps up to RENDER_CACHE_MAX_ENTRIES fragments in its memory (compressed,
# some tens of kilobytes each). A dedicated Redis database with ``maxmemory-policy allkeys-lru`` suits a
# large portal; on the broker's Redis the entries simply expire after RENDER_CACHE_SECONDS.
RENDER_CACHE_URL = env.str("RENDER_CACHE_URL", default=REDIS_URL)
RENDER_CACHE_MAX_ENTRIES = env.int("RENDER_CACHE_MAX_ENTRIES", default=2000)
if RENDER_CACHE_SECONDS < 1 or RENDER_CACHE_MAX_ENTRIES < 1:
    raise environ.ImproperlyConfigured("RENDER_CACHE_SECONDS and RENDER_CACHE_MAX_ENTRIES must be 1 or more.")
# Counters of ctg_portal/rate_limits.py: in Redis when there is one, shared by every worker; otherwise
# in each process's memory (each gunicorn worker then counts on its own).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "rate_limits": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "ctg-rate",
        # A Redis outage costs a request one second at most; the limiter then lets the request through.
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "rate-limits"},
    "render": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": RENDER_CACHE_URL,
        "KEY_PREFIX": "ctg-render",
        # conventions/render_cache.py builds the page afresh when Redis does not answer within a second,
        # then leaves Redis alone for a while.
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
    if RENDER_CACHE_URL
    else {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "render",
        "OPTIONS": {"MAX_ENTRIES": RENDER_CACHE_MAX_ENTRIES},
    },
}
