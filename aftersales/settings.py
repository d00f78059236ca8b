"""Django settings, all read from the environment (see ``aftersales.env``).

Defaults give a working single-machine install: a SQLite file, generated keys and uploads in
``AFTERSALES_DATA_DIR`` (``./var``), jobs run by ``aftersales serve`` itself.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from cryptography.fernet import Fernet
from django.utils.translation import gettext_lazy as _

from aftersales.env import envbool, envint, envlist, envsecret, envstr, persistent_secret

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(envstr("AFTERSALES_DATA_DIR", "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)
(DATA_DIR / "static").mkdir(exist_ok=True)

DEBUG = envbool("DEBUG", False)
SECRET_KEY = persistent_secret("SECRET_KEY", DATA_DIR / "secret_key", lambda: secrets.token_urlsafe(50))
# Encrypts personal data at rest; losing it makes stored phones and addresses unreadable, so
# production must set it from a secret store and back it up.
FIELD_ENCRYPTION_KEY = persistent_secret(
    "AFTERSALES_FIELD_KEY", DATA_DIR / "field_key", lambda: Fernet.generate_key().decode()
)

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # First: the product's own registration/ templates (password change, reset, logged out) win
    # over the admin's, which Django would otherwise find first.
    "aftersales.core",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    "aftersales.accounts",
    "aftersales.catalog",
    "aftersales.customers",
    "aftersales.stations",
    "aftersales.service",
    "aftersales.sla",
    "aftersales.entitlement",
    "aftersales.dispatch",
    "aftersales.notifications",
    "aftersales.demo",
    "aftersales.jobs",
    # After the project's apps: templates are looked up in this order, and the admin ships its own
    # registration/password_change_form.html and password_reset_*.html, which would otherwise
    # give organization staff the admin's look on those pages.
    "django.contrib.admin",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "aftersales.core.middleware.RequestLogMiddleware",
    "aftersales.core.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "aftersales.core.middleware.SanbaoGlossMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "aftersales.core.middleware.HtmxLoginRedirectMiddleware",
    "axes.middleware.AxesMiddleware",
    "aftersales.core.idempotency.IdempotencyMiddleware",
    "aftersales.core.middleware.DatabaseErrorMiddleware",
]

ROOT_URLCONF = "aftersales.urls"
WSGI_APPLICATION = "aftersales.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "aftersales.core.context_processors.navigation",
            ],
        },
    }
]

_default_db = f"sqlite:///{DATA_DIR / 'aftersales.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(envstr("DATABASE_URL", _default_db), conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run while one writer writes; IMMEDIATE takes the write lock at the
        # start of a transaction so two writers queue on busy_timeout instead of deadlocking.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            " PRAGMA busy_timeout=20000;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and envbool(
    "AFTERSALES_PG_PREPARE", True
):
    # Parameters bound by the server, and a statement run a few times on a connection prepared
    # there: PostgreSQL then plans each query once per connection instead of on every call, which
    # cut its CPU per request create by a third (benchmarks/intake.py). Turn off behind a pooler
    # in transaction mode (PgBouncer before 1.21), which cannot keep prepared statements.
    DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=3)
# PostgreSQL, opt-in: each process keeps the API tokens it looked up, told of changes by
# LISTEN/NOTIFY (aftersales.core.fastpath.changes). Off by default: a kept token can outlive its
# revocation by the moment a notice takes to arrive, and where LISTEN cannot work (behind a
# pooler in transaction mode) no notice arrives at all. Off, every API call reads its token.
AFTERSALES_ACCOUNTS_CACHE = envbool("AFTERSALES_ACCOUNTS_CACHE", False)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Lock an account (not an address: staff share office NAT) after repeated failures.
AXES_FAILURE_LIMIT = envint("AFTERSALES_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("AFTERSALES_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Locking by account on purpose (see above); axes warns that IP rotation is then not limited.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = envstr("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
IMPORT_MAX_BYTES = envint("AFTERSALES_IMPORT_MAX_MB", 100) * 1024 * 1024

EMAIL_BACKEND = envstr("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envsecret("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "aftersales@localhost")

# Background jobs: empty broker URL means the embedded runner inside `aftersales serve`.
CELERY_BROKER_URL = envstr("CELERY_BROKER_URL", "")
JOBS_POLL_SECONDS = float(envstr("AFTERSALES_JOBS_POLL_SECONDS", "1.0"))
# Email-in: one Maildir-like folder per organization, <dir>/<org-slug>/new/*.eml (see service.tasks).
AFTERSALES_MAILBOX_DIR = Path(envstr("AFTERSALES_MAILBOX_DIR", str(DATA_DIR / "mailbox"))).resolve()

LOG_LEVEL = envstr("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "aftersales.core.logging.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500
