"""Settings of the CTG Portal, one module driven by the environment (django-environ).

Without any environment variable the portal runs on a local SQLite file with Celery in eager mode:
that is what ``make run`` uses on a laptop. CI and production set ``DATABASE_URL`` (PostgreSQL) and
``REDIS_URL`` (Celery broker and result backend).
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

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
    "django.contrib.admin",
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
    # From the bottom layer up: each app imports only the ones above it in this list (import-linter
    # contracts in pyproject.toml, checked by `make quality`).
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
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ctg_portal.middleware.FrenchByDefaultLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
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

# --- Territory data --------------------------------------------------------------------------
# The small extract shipped in the repository; `make territories-full` fetches the full files.
TERRITORY_DATA_DIR = env.path("TERRITORY_DATA_DIR", default=BASE_DIR / "data" / "territories")

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
# A render taking longer is stopped (Celery soft time limit) and marked failed, with a retry button.
DOCUMENT_RENDER_TIME_LIMIT = env.int("DOCUMENT_RENDER_TIME_LIMIT", default=300)
