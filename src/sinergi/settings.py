"""Django settings for Sinergi, read from SINERGI_* environment variables.

Modes (SINERGI_MODE):
- ``production`` (used by ``sinergi serve``): secure cookies, HSTS, SSL redirect, a secret
  key and a database URL are required.
- ``demo`` and ``dev`` (the default): SQLite in the data folder, plain HTTP on localhost,
  a secret key generated once into the data folder.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
MODE = os.environ.get("SINERGI_MODE", "dev")
if MODE not in {"production", "demo", "dev"}:
    raise ImproperlyConfigured("SINERGI_MODE must be production, demo or dev")
PRODUCTION = MODE == "production"

DATA_DIR = Path(os.environ.get("SINERGI_DATA_DIR", "sinergi-data")).resolve()


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    key = os.environ.get("SINERGI_SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("SINERGI_SECRET_KEY is required in production mode")
    # Outside production a key is generated once per data folder so sessions survive restarts.
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("SINERGI_DEBUG", False)
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get(
        "SINERGI_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver"
    ).split(",")
    if h.strip()
]
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("SINERGI_ALLOWED_HOSTS is required in production mode")
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("SINERGI_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "sinergi.core",
    "sinergi.regions",
    "sinergi.agencies",
    "sinergi.accounts",
    "sinergi.notifications",
    "sinergi.catalog",
    "sinergi.blood",
    "sinergi.programs",
    "sinergi.coordination",
    "sinergi.insights",
    "sinergi.portal",
    "sinergi.cases",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    "ninja",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside everything that renders, so it compresses the final bytes; public only.
    "sinergi.core.compression.PublicGZipMiddleware",
    "sinergi.core.middleware.RejectNulMiddleware",
    "sinergi.blood.middleware.TickerFastPathMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "sinergi.accounts.middleware.LanguageMiddleware",
    "sinergi.accounts.middleware.TwoFactorMiddleware",
    "sinergi.core.middleware.ApiErrorShapeMiddleware",
    "sinergi.core.middleware.RegionTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "sinergi.urls"
WSGI_APPLICATION = "sinergi.wsgi.application"

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
                "csp.context_processors.nonce",
                "sinergi.core.context_processors.shell",
                "sinergi.coordination.context_processors.badge",
                "sinergi.notifications.context_processors.bell",
            ],
        },
    },
]


def _database() -> dict[str, object]:
    url = os.environ.get("SINERGI_TEST_DATABASE_URL") or os.environ.get("SINERGI_DATABASE_URL")
    if url:
        db = dict(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True))
    elif PRODUCTION:
        raise ImproperlyConfigured("SINERGI_DATABASE_URL is required in production mode")
    else:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        db = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(DATA_DIR / "sinergi.sqlite3")}
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # IMMEDIATE transactions serialise writers up front, so the audit chain head is never
        # read by two writers at once; WAL lets readers go on while one writer works.
        db["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            # A writer waits this long for the write lock before "database is locked";
            # uploads parse outside their transaction, so no writer holds it for long.
            "timeout": int(os.environ.get("SINERGI_SQLITE_TIMEOUT", "30")),
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    db.setdefault("TEST", {})
    return db


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling: this many failures within the window locks the account for the lockout.
SINERGI_LOGIN_MAX_FAILURES = int(os.environ.get("SINERGI_LOGIN_MAX_FAILURES", "5"))
SINERGI_LOGIN_LOCKOUT_MINUTES = int(os.environ.get("SINERGI_LOGIN_LOCKOUT_MINUTES", "15"))
# Two-factor login (TOTP): roles that must use it — platform_admin, leader, or membership
# roles (viewer, staff, manager, head, admin). On for admins and leaders in production and
# the demo; off in dev and the tests unless a test turns it on
# (docs/decisions/two-factor-and-token-scopes.md). Users who enrolled always use it.
SINERGI_TOTP_REQUIRED_ROLES = [
    r.strip()
    for r in os.environ.get(
        "SINERGI_TOTP_REQUIRED_ROLES", "" if MODE == "dev" else "platform_admin,leader"
    ).split(",")
    if r.strip()
]
SINERGI_TOTP_ISSUER = os.environ.get("SINERGI_TOTP_ISSUER", "Sinergi")
# API tokens: default and longest lifetime in days.
SINERGI_TOKEN_DEFAULT_DAYS = int(os.environ.get("SINERGI_TOKEN_DEFAULT_DAYS", "90"))
SINERGI_TOKEN_MAX_DAYS = int(os.environ.get("SINERGI_TOKEN_MAX_DAYS", "365"))
# Upload limits of every app (sinergi.core.uploads): bytes per kind of file, the unpacked size
# of any zip-based file (XLSX), cells per sheet, and seconds a parse may take.
SINERGI_UPLOAD_MAX_BYTES = {
    kind: int(float(os.environ.get(f"SINERGI_UPLOAD_MAX_MB_{kind.upper()}", mb)) * 1024 * 1024)
    for kind, mb in {
        "csv": "100",
        "xlsx": "50",
        "json": "2.5",  # a JSON body: Django's request body limit below follows it
        "schedule": "20",
        "attachment": "10",
        "case_document": "5",
    }.items()
}
DATA_UPLOAD_MAX_MEMORY_SIZE = SINERGI_UPLOAD_MAX_BYTES["json"]
SINERGI_UPLOAD_MAX_UNPACKED_BYTES = int(os.environ.get("SINERGI_UPLOAD_MAX_UNPACKED_MB", "300")) * (
    1024 * 1024
)
SINERGI_UPLOAD_MAX_CELLS = int(os.environ.get("SINERGI_UPLOAD_MAX_CELLS", "2000000"))
SINERGI_UPLOAD_MAX_XLSX_ROWS = int(os.environ.get("SINERGI_UPLOAD_MAX_XLSX_ROWS", "500000"))
SINERGI_UPLOAD_MAX_PARSE_SECONDS = float(os.environ.get("SINERGI_UPLOAD_MAX_PARSE_SECONDS", "120"))
# How many reverse proxies (nginx) stand in front and append to X-Forwarded-For.
SINERGI_PROXY_COUNT = int(os.environ.get("SINERGI_PROXY_COUNT", "0"))

LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Indonesian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("SINERGI_TIME_ZONE", "Asia/Pontianak")

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("SINERGI_STATIC_ROOT", str(DATA_DIR / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if _env_bool("SINERGI_STATIC_MANIFEST", False)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = DATA_DIR / "media"
WHITENOISE_USE_FINDERS = not _env_bool("SINERGI_STATIC_MANIFEST", False)

SESSION_COOKIE_AGE = 60 * 60 * 12
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = _env_bool("SINERGI_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SINERGI_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = _env_bool("SINERGI_HSTS_PRELOAD", True)
    # nginx terminates TLS and says so in this header.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

EMAIL_BACKEND = os.environ.get(
    "SINERGI_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = str(DATA_DIR / "outbox")
EMAIL_HOST = os.environ.get("SINERGI_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("SINERGI_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("SINERGI_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("SINERGI_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("SINERGI_EMAIL_TLS", False)
# Seconds an SMTP server may take; a hanging one never holds a page long (emails are queued).
EMAIL_TIMEOUT = int(os.environ.get("SINERGI_EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("SINERGI_EMAIL_FROM", "Sinergi <sinergi@localhost>")

# Coordination: webhooks may reach private/loopback addresses only outside production
# (local receivers in demo, dev and tests); the daily digest's local hour.
SINERGI_WEBHOOK_ALLOW_PRIVATE = _env_bool("SINERGI_WEBHOOK_ALLOW_PRIVATE", not PRODUCTION)
SINERGI_DIGEST_HOUR = int(os.environ.get("SINERGI_DIGEST_HOUR", "7"))
# Notifications: how often (seconds) every page asks the bell again (htmx polling).
SINERGI_BELL_POLL_SECONDS = int(os.environ.get("SINERGI_BELL_POLL_SECONDS", "20"))

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500
NINJA_PAGINATION_MAX_OFFSET = 10_000_000

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SINERGI_LOG_LEVEL", "WARNING")},
}

# Operations (docs/operator-guide.md): audit anchors, the witness and /healthz.
# The anchor key stays outside the database; without SINERGI_AUDIT_KEY it is generated
# once into DATA_DIR/keys/audit.key (mode 0600).
SINERGI_AUDIT_KEY = os.environ.get("SINERGI_AUDIT_KEY", "")
SINERGI_AUDIT_ANCHOR_EVERY = int(os.environ.get("SINERGI_AUDIT_ANCHOR_EVERY", "1000"))
SINERGI_AUDIT_WITNESS_URL = os.environ.get("SINERGI_AUDIT_WITNESS_URL", "")
SINERGI_HEALTHZ_MAX_HEARTBEAT_AGE = int(os.environ.get("SINERGI_HEALTHZ_MAX_HEARTBEAT_AGE", "120"))
