"""Settings: the only module that reads the environment.

Every variable is listed in .env.example with its default. With no environment the
project runs on the embedded default: SQLite, the in-memory channel layer, jobs in
the web process, debug on, and a secret generated into var/secret_key.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# ---------------------------------------------------------------- GENERAL
VAR_DIR = Path(os.environ.get("CHAT_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", default=not os.environ.get("SECRET_KEY"))


def _local_secret_key() -> str:
    """A secret for local use, generated once and kept in a git-ignored file."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


# A production secret has no default: without DEBUG a missing SECRET_KEY fails loudly.
SECRET_KEY = (
    os.environ["SECRET_KEY"] if not DEBUG else os.environ.get("SECRET_KEY") or (_local_secret_key())
)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

ROOT_URLCONF = "chatproject.urls"
ASGI_APPLICATION = "chatproject.asgi.application"
WSGI_APPLICATION = None

LANGUAGE_CODE = "en"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"daphne": {"level": "WARNING"}, "django.channels.server": {"level": "WARNING"}},
}

# -------------------------------------------------------------- DATABASES
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            # Browser tests run the server in another process, so the test database
            # must be a file both processes can open.
            "TEST": {"NAME": VAR_DIR / "test.sqlite3"},
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }

# ------------------------------------------------------------------- APPS
DJANGO_APPS = [
    # daphne first, so that runserver serves websockets too.
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
]
THIRD_PARTY_APPS = [
    "channels",
    "django_htmx",
    "template_partials",
    "allauth",
    "allauth.account",
]
LOCAL_APPS = [
    "accounts",
    "chat",
    "chat.rag",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS
SITE_ID = 1

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

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
                "chat.context_processors.branding",
            ],
        },
    }
]

# ------------------------------------------------------------------- AUTH
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "chat:home"
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", 60 * 60 * 24 * 14))

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "assistant@localhost")

# --------------------------------------------------------------- CHANNELS
REDIS_URL = os.environ.get("REDIS_URL", "")
# Over capacity a channel layer drops messages silently; tokens are coalesced into
# frames, so this only has to absorb bursts from many messages at once.
CHANNEL_CAPACITY = int(os.environ.get("CHANNEL_CAPACITY", 10_000))
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py 8 times sockets out after 5 s, which kills idle websockets.
                "hosts": [{"address": REDIS_URL, "socket_timeout": None}],
                "capacity": CHANNEL_CAPACITY,
                "prefix": os.environ.get("CHANNEL_PREFIX", "chat"),
            },
        }
    }
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": CHANNEL_CAPACITY},
        }
    }

# ----------------------------------------------------------------- CELERY
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_TIME_LIMIT = int(os.environ.get("CELERY_TASK_TIME_LIMIT", 60 * 30))
CELERY_TASK_SOFT_TIME_LIMIT = int(os.environ.get("CELERY_TASK_SOFT_TIME_LIMIT", 60 * 25))
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# The queue jobs go to: web processes and workers of one deployment must agree on it.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "celery")
# Without a broker, jobs run as tasks in the web process instead of on workers.
CHAT_JOBS_IN_PROCESS = not REDIS_URL
# A running job that has not written its heartbeat for this long lost its worker.
CHAT_JOB_STALE_SECONDS = float(os.environ.get("CHAT_JOB_STALE_SECONDS", 30))

# ---------------------------------------------------------------- ALLAUTH
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = os.environ.get("ACCOUNT_EMAIL_VERIFICATION", "optional")
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_UNIQUE_EMAIL = True

# ------------------------------------------------------------------- CHAT
# The assistant: a dotted module path or a path to a .py file.
CHAT_ASSISTANT = os.environ.get("CHAT_ASSISTANT", "chat.assistants.default")
CHAT_UI_NAME = os.environ.get("CHAT_UI_NAME", "Assistant")
CHAT_COT = os.environ.get("CHAT_COT", "full")
# Streamed tokens are pushed at most once per this many milliseconds per message.
CHAT_STREAM_FRAME_MS = int(os.environ.get("CHAT_STREAM_FRAME_MS", 30))
# Streamed text is written to the database at most once per this many seconds.
CHAT_STREAM_SAVE_SECONDS = float(os.environ.get("CHAT_STREAM_SAVE_SECONDS", 1.0))
# A message still marked streaming with no write for this long lost its server.
CHAT_STREAM_STALE_SECONDS = float(os.environ.get("CHAT_STREAM_STALE_SECONDS", 20))
CHAT_MAX_MESSAGE_CHARS = int(os.environ.get("CHAT_MAX_MESSAGE_CHARS", 20_000))
# Uploads: the type is sniffed from the content and must match one of these patterns.
CHAT_UPLOAD_ACCEPT = env_list(
    "CHAT_UPLOAD_ACCEPT",
    "text/*,application/pdf,image/png,image/jpeg,image/gif,image/webp,application/json,"
    "application/vnd.openxmlformats-officedocument.*,audio/*,video/*",
)
CHAT_UPLOAD_MAX_MB = float(os.environ.get("CHAT_UPLOAD_MAX_MB", 20))
CHAT_UPLOAD_MAX_FILES = int(os.environ.get("CHAT_UPLOAD_MAX_FILES", 10))
# Django refuses larger request bodies before our checks see them.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
CHAT_DEMO_USER = os.environ.get("CHAT_DEMO_USER", "demo@example.com")
CHAT_DEMO_PASSWORD = os.environ.get("CHAT_DEMO_PASSWORD", "demo-password-123")
# `manage.py purge_threads` (run it from cron) deletes threads with no activity for this
# many days, with their files. Empty or 0 keeps every thread.
CHAT_RETENTION_DAYS = int(os.environ.get("CHAT_RETENTION_DAYS") or 0)
# Document Q&A: a document's text beyond this many characters is not indexed (the
# ingestion says so), which bounds the work and memory one upload can take.
CHAT_RAG_MAX_CHARS = int(os.environ.get("CHAT_RAG_MAX_CHARS", 5_000_000))
# Target size in characters of the passages documents are split into.
CHAT_RAG_CHUNK_CHARS = int(os.environ.get("CHAT_RAG_CHUNK_CHARS", 1000))
# Optional vectors: an OpenAI-compatible embeddings endpoint (its base URL, ending in /v1).
# With it, on PostgreSQL with pgvector, retrieval is hybrid: full-text and nearest vectors.
CHAT_RAG_EMBEDDINGS_URL = os.environ.get("CHAT_RAG_EMBEDDINGS_URL", "")
CHAT_RAG_EMBEDDINGS_KEY = os.environ.get("CHAT_RAG_EMBEDDINGS_KEY", "")
CHAT_RAG_EMBEDDINGS_MODEL = os.environ.get("CHAT_RAG_EMBEDDINGS_MODEL", "text-embedding-3-small")
CHAT_RAG_EMBEDDINGS_DIMENSIONS = int(os.environ.get("CHAT_RAG_EMBEDDINGS_DIMENSIONS", 1536))

# ------------------------------------------------------------- PRODUCTION
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"
