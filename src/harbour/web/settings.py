"""Django settings, all from the environment. SQLite in the data directory by default;
PostgreSQL when ``DATABASE_URL`` is set."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import unquote, urlparse

from harbour.paths import data_dir


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


DATA_DIR = data_dir()
BASE_DIR = Path(__file__).resolve().parent


def _secret_key() -> str:
    """Instance secret: from the environment, else generated once into the data directory."""
    if os.environ.get("HARBOUR_SECRET_KEY"):
        return os.environ["HARBOUR_SECRET_KEY"]
    path = DATA_DIR / "secret.key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def _database() -> dict[str, object]:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "harbour.sqlite3"),
            # WAL: the web pages read while the worker writes, and a commit is one append and
            # one fsync of the log (FULL keeps that fsync: see docs/events.md, Durability).
            "OPTIONS": {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA cache_size=-32000"
                ),
            },
        }
    parsed = urlparse(url)
    if parsed.scheme not in {"postgres", "postgresql"}:
        raise RuntimeError(f"DATABASE_URL: unsupported scheme {parsed.scheme!r}; use postgresql://")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parsed.path.lstrip("/")) or "harbour",
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": parsed.hostname or "",
        "PORT": str(parsed.port or ""),
        "CONN_MAX_AGE": 60,
    }


SECRET_KEY = _secret_key()
DEBUG = _env_bool("HARBOUR_DEBUG", False)
ALLOWED_HOSTS = [
    h for h in os.environ.get("HARBOUR_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h
]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("HARBOUR_CSRF_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "harbour.apps.audit",
    "harbour.apps.accounts",
    "harbour.apps.policies",
    "harbour.apps.people",
    "harbour.apps.records",
    "harbour.apps.registers",
    "harbour.apps.alerts",
    "harbour.apps.events",
    "harbour.apps.webfilter",
    "harbour.apps.reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "harbour.apps.accounts.middleware.SecondFactorMiddleware",
    "harbour.apps.audit.middleware.RequestIdMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "harbour.web.headers.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "harbour.web.urls"
WSGI_APPLICATION = "harbour.web.wsgi.application"
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
                "harbour.apps.accounts.context.role",
            ]
        },
    }
]

DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Session and cookie safety: short idle sessions, HttpOnly, SameSite, secure when behind TLS.
SESSION_COOKIE_AGE = int(os.environ.get("HARBOUR_SESSION_SECONDS", "3600"))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
_TLS = _env_bool("HARBOUR_TLS", False)
SESSION_COOKIE_SECURE = _TLS
CSRF_COOKIE_SECURE = _TLS
# Behind TLS: every request over HTTPS, and browsers told to insist on it (HSTS).
SECURE_SSL_REDIRECT = _TLS and _env_bool("HARBOUR_TLS_REDIRECT", True)
SECURE_HSTS_SECONDS = int(os.environ.get("HARBOUR_HSTS_SECONDS", "31536000")) if _TLS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = False  # a school's other hosts may not all speak TLS
if _env_bool("HARBOUR_BEHIND_PROXY", False):
    # Only when a reverse proxy that sets this header terminates TLS in front of Harbour.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("HARBOUR_TIME_ZONE", "Europe/London")
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"

EMAIL_HOST = os.environ.get("HARBOUR_SMTP_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("HARBOUR_SMTP_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("HARBOUR_SMTP_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("HARBOUR_SMTP_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("HARBOUR_SMTP_STARTTLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("HARBOUR_MAIL_FROM", "harbour@localhost")
EMAIL_TIMEOUT = 10

# Application logs never carry request bodies or personal data: only our own messages.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "harbour": {"handlers": ["console"], "level": os.environ.get("HARBOUR_LOG_LEVEL", "INFO")},
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}
