"""Settings: the only module that reads the environment.

Every variable is listed in .env.example with its default. With no environment the
project runs on the embedded default: SQLite, the in-memory channel layer and jobs in
the web process. Debug is off unless DEBUG=1 (`manage.py runchat` sets it, and then a
secret is generated into var/secret_key); with it off, SECRET_KEY is required.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from chatproject.serving import object_storage
from chatproject.serving.db import ENGINES as DB_ENGINES

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

# Off unless asked for: a production start that forgets a variable must not serve debug
# pages. `manage.py runchat` (local use) sets DEBUG=1.
DEBUG = env_bool("DEBUG", default=False)


def _local_secret_key() -> str:
    """A secret for local use, generated once and kept in a git-ignored file."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


# A production secret has no default: without DEBUG a missing SECRET_KEY fails loudly.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY and not DEBUG:
    raise ImproperlyConfigured(
        'SECRET_KEY is not set. Set it to a long random value (python3 -c "import secrets; '
        'print(secrets.token_urlsafe(50))"), or set DEBUG=1 for local use only '
        "(`manage.py runchat` does)."
    )
SECRET_KEY = SECRET_KEY or _local_secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# The site under a path of an existing domain, e.g. /assistant (behind a proxy that passes
# the path as it is): every page, static file, socket and webhook, and the links and
# redirects it makes. Empty: at the root.
CHAT_URL_PREFIX = os.environ.get("CHAT_URL_PREFIX", "").strip().rstrip("/")
if CHAT_URL_PREFIX and not re.fullmatch(r"(/[A-Za-z0-9._~-]+)+", CHAT_URL_PREFIX):
    raise ImproperlyConfigured(
        f"CHAT_URL_PREFIX must be a path such as /assistant, not {CHAT_URL_PREFIX!r}"
    )
if CHAT_URL_PREFIX:
    # Django reverses every URL (and the relative STATIC_URL, MEDIA_URL) with it.
    FORCE_SCRIPT_NAME = CHAT_URL_PREFIX
    # The cookies stay with this site, not the rest of the domain.
    SESSION_COOKIE_PATH = CSRF_COOKIE_PATH = LANGUAGE_COOKIE_PATH = CHAT_URL_PREFIX + "/"

ROOT_URLCONF = "chatproject.urls"
ASGI_APPLICATION = "chatproject.asgi.application"
WSGI_APPLICATION = None

LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "en")
# Languages users may choose (the browser's Accept-Language picks one at first), each by its
# own name; each has complete translations under locale/ (Django's code "pt-br" is the folder
# pt_BR). Arabic shows the right-to-left layout. All are offered unless CHAT_LANGUAGES narrows.
_KNOWN_LANGUAGES = {
    "en": "English",
    "de": "Deutsch",
    "fr": "Français",
    "es": "Español",
    "it": "Italiano",
    "pt-br": "Português (Brasil)",
    "nl": "Nederlands",
    "pl": "Polski",
    "ja": "日本語",
    "zh-hans": "简体中文",
    "ko": "한국어",
    "hi": "हिन्दी",
    "ar": "العربية",
}
LANGUAGES = [
    (code, _KNOWN_LANGUAGES.get(code, code))
    for code in env_list("CHAT_LANGUAGES", ",".join(_KNOWN_LANGUAGES))
]
# The product's own words, then the sign-in pages' words that django-allauth or Django leave
# untranslated in a language offered here (allauth has no Hindi at all).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "accounts" / "sign_in_locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# Absolute, with the prefix: a relative one would get the prefix only inside a request, and
# the static files storage takes its address once, at start.
STATIC_URL = f"{CHAT_URL_PREFIX}/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = f"{CHAT_URL_PREFIX}/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Static files are served by whitenoise in development too (from the apps' folders, as
# they change), so that they are compressed like every other response.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
# Stored files (uploads, elements, library documents): local disk under MEDIA_ROOT, or an
# S3-compatible bucket when CHAT_STORAGE_S3_BUCKET names one (chatproject.serving.object_storage).
# The endpoint is for anything but AWS (MinIO, Ceph, R2: e.g. http://minio:9000); without a
# key and secret, boto3 finds credentials as AWS tools do (an instance or pod role).
CHAT_STORAGE_S3_BUCKET = os.environ.get("CHAT_STORAGE_S3_BUCKET", "")
CHAT_STORAGE_S3_ENDPOINT_URL = os.environ.get("CHAT_STORAGE_S3_ENDPOINT_URL", "")
CHAT_STORAGE_S3_REGION = os.environ.get("CHAT_STORAGE_S3_REGION", "")
CHAT_STORAGE_S3_ACCESS_KEY_ID = os.environ.get("CHAT_STORAGE_S3_ACCESS_KEY_ID", "")
CHAT_STORAGE_S3_SECRET_ACCESS_KEY = os.environ.get("CHAT_STORAGE_S3_SECRET_ACCESS_KEY", "")
# A folder in the bucket for this site's files (several sites may share one bucket).
CHAT_STORAGE_S3_PREFIX = os.environ.get("CHAT_STORAGE_S3_PREFIX", "")
# "path" or "virtual"; empty: path with an endpoint (MinIO needs it), else virtual.
CHAT_STORAGE_S3_ADDRESSING_STYLE = os.environ.get("CHAT_STORAGE_S3_ADDRESSING_STYLE", "")
# How a permitted download reaches the browser from a bucket: "stream" (through the web
# process, with the app's own security headers) or "redirect" (to a presigned URL valid for
# CHAT_STORAGE_URL_SECONDS, so the bytes bypass the web process). Local disk always streams.
CHAT_STORAGE_DOWNLOADS = os.environ.get("CHAT_STORAGE_DOWNLOADS", "stream").strip().lower()
if CHAT_STORAGE_DOWNLOADS not in ("stream", "redirect"):
    raise ImproperlyConfigured(
        f"CHAT_STORAGE_DOWNLOADS must be stream or redirect, not {CHAT_STORAGE_DOWNLOADS!r}"
    )
CHAT_STORAGE_URL_SECONDS = int(os.environ.get("CHAT_STORAGE_URL_SECONDS", 60))
STORAGES = {
    "default": object_storage.default_storage(
        bucket=CHAT_STORAGE_S3_BUCKET,
        endpoint_url=CHAT_STORAGE_S3_ENDPOINT_URL,
        region=CHAT_STORAGE_S3_REGION,
        access_key=CHAT_STORAGE_S3_ACCESS_KEY_ID,
        secret_key=CHAT_STORAGE_S3_SECRET_ACCESS_KEY,
        prefix=CHAT_STORAGE_S3_PREFIX,
        addressing_style=CHAT_STORAGE_S3_ADDRESSING_STYLE,
        url_seconds=CHAT_STORAGE_URL_SECONDS,
    ),
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# "text" (for people) or "json" (one object per line, for a log shipper). Either way each
# record carries the request, user, thread and run ids known where it was written.
CHAT_LOG_FORMAT = os.environ.get("CHAT_LOG_FORMAT", "text").strip().lower()
if CHAT_LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f"CHAT_LOG_FORMAT must be text or json, not {CHAT_LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"ids": {"()": "chat.log_context.ContextFilter"}},
    "formatters": {"json": {"()": "chatproject.json_logs.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["ids"],
            **({"formatter": "json"} if CHAT_LOG_FORMAT == "json" else {}),
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "daphne": {"level": "WARNING"},
        # Its access log, when it goes through logging (CHAT_LOG_FORMAT=json).
        "daphne.access": {"level": "INFO"},
        "django.channels.server": {"level": "WARNING"},
        # Django gives its own logger a console handler too: each line would print twice.
        "django": {"handlers": []},
    },
}

# -------------------------------------------------------------- DATABASES
DATABASE_URL = os.environ.get("DATABASE_URL", "")
# Without DATABASE_URL, PostgreSQL may come in parts (as docker-compose.yml gives it): the
# password is then taken as it is, where a URL would need "@", ":", "/" or "#" escaped.
POSTGRES_HOST = os.environ.get("POSTGRES_HOST", "")
# Connections are kept and checked before reuse: opening one per request, or per pushed
# frame of a streamed answer, costs more than the work itself. Seconds; 0 closes each
# one after use (behind a pooler such as PgBouncer in transaction mode).
_conn_max_age = os.environ.get("DB_CONN_MAX_AGE", "")
CONN_MAX_AGE = int(_conn_max_age) if _conn_max_age else None
# On PostgreSQL, the statements every message sends are prepared once per connection
# (parsed and planned once: about 0.3 ms less each). Off by default where connections are
# not kept (DB_CONN_MAX_AGE=0, as behind a pooler in transaction mode, which may hand the
# next statement to a server connection that never saw it prepared; PgBouncer 1.21+ with
# max_prepared_statements set tracks them, and DB_PREPARED_STATEMENTS=1 is then fine).
DB_PREPARED_STATEMENTS = env_bool("DB_PREPARED_STATEMENTS", CONN_MAX_AGE != 0)
# On PostgreSQL, the assistant's new messages and steps may commit without waiting for the
# disk (synchronous_commit off for those commits alone): one fsync less per answer, but an
# answer or step stored in the last ~0.6 s before PostgreSQL itself crashes (not the web
# process) may be lost. A person's own message always waits for the disk. Off by default.
CHAT_ASSISTANT_WRITES_ASYNC_COMMIT = env_bool("CHAT_ASSISTANT_WRITES_ASYNC_COMMIT", False)
SQLITE_OPTIONS = {
    # Writers queue instead of failing with "database is locked"; readers never wait.
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=CONN_MAX_AGE, conn_health_checks=True
        )
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        DATABASES["default"]["OPTIONS"] = {
            **SQLITE_OPTIONS,
            **DATABASES["default"].get("OPTIONS", {}),
        }
elif POSTGRES_HOST:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "HOST": POSTGRES_HOST,
            "PORT": os.environ.get("POSTGRES_PORT", "5432"),
            "NAME": os.environ.get("POSTGRES_DB", "chat"),
            "USER": os.environ.get("POSTGRES_USER", "chat"),
            "PASSWORD": os.environ.get("POSTGRES_PASSWORD", ""),
            "CONN_MAX_AGE": CONN_MAX_AGE,
            "CONN_HEALTH_CHECKS": True,
        }
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            # Browser tests run the server in another process, so the test database
            # must be a file both processes can open.
            "TEST": {"NAME": VAR_DIR / "test.sqlite3"},
            "OPTIONS": SQLITE_OPTIONS,
            "CONN_MAX_AGE": CONN_MAX_AGE,
            "CONN_HEALTH_CHECKS": True,
        }
    }

# Django's backends, with DEBUG's per-query log kept only on request (chatproject.serving.db).
DEBUG_SQL = env_bool("DEBUG_SQL", default=False)
for _database in DATABASES.values():
    _database["ENGINE"] = DB_ENGINES.get(_database["ENGINE"], _database["ENGINE"])

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
    "allauth.socialaccount",
    # Every supported provider is installed; only those configured below show a button.
    "allauth.socialaccount.providers.amazon_cognito",
    "allauth.socialaccount.providers.github",
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.microsoft",
    "allauth.socialaccount.providers.gitlab",
    "allauth.socialaccount.providers.okta",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.mfa",
]
LOCAL_APPS = [
    "accounts",
    "chat",
    "chat.rag",
    "chat.mcp_servers",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS
SITE_ID = 1

MIDDLEWARE = [
    # Counts every answer (/metrics), whatever the middleware below makes of the request.
    "chat.web.request_metrics.CountRequests",
    # Outermost, so that it compresses what whitenoise serves in development too.
    "chatproject.serving.compression.TextGZipMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language: the user's saved choice (below), else the cookie, else Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before the CSRF check, which parses POST bodies: no upload is parsed for nobody.
    "chat.web.middleware.UploadsNeedSignIn",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The request's and the user's ids on every log line written while it is served.
    "chat.web.request_ids.RequestIds",
    "accounts.language_middleware.UserLanguageMiddleware",
    # Signs in from the SSO proxy's header, only for requests from the trusted proxies.
    "accounts.middleware.SsoHeaderMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "chat.web.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "chat.web.middleware.LogoutCookiesMiddleware",
    "accounts.middleware.StaffMfaMiddleware",
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
                "chat.web.context_processors.branding",
                "accounts.context_processors.sign_in",
            ],
        },
    }
]

# ------------------------------------------------------------------- AUTH
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # @cl.password_auth_callback and SSO-only mode decide before the usual backends.
    "accounts.backends.CompanyPasswordBackend",
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
            "BACKEND": "chatproject.serving.redis_channel_layer.ResilientRedisChannelLayer",
            "CONFIG": {
                # redis-py 8 times sockets out after 5 s, which kills idle websockets.
                # Without that timeout, TCP keepalive and a ping before reusing an idle
                # connection notice a Redis gone silent (a network partition), which
                # would otherwise leave receive() waiting for good.
                # redis-py's pool refuses a 101st connection at once ("Too many
                # connections"): a thousand sockets sending at once need more.
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": None,
                        "socket_keepalive": True,
                        "health_check_interval": 30,
                        "max_connections": 2000,
                    }
                ],
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
            "BACKEND": "chatproject.serving.channel_layers.SweepingInMemoryChannelLayer",
            "CONFIG": {"capacity": CHANNEL_CAPACITY},
        }
    }
    # This process's memory. Rate-limit counts, sign-in versions and spent copilot tokens
    # live here: the default 300 entries would drop them (and reset or reopen them) under
    # ordinary load. Each is a few hundred bytes.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }

# ----------------------------------------------------------------- CELERY
# The broker is REDIS_URL's Redis unless said otherwise (a Redis or RabbitMQ of its own).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_ACKS_LATE = True
# The worker keeps Django's logging (LOGGING above) when its lines must be JSON.
CELERY_WORKER_HIJACK_ROOT_LOGGER = CHAT_LOG_FORMAT != "json"
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
# Periodic work (retention, dead jobs and streams, expired sessions: chat.engine.housekeeping)
# runs every this many seconds: from Celery beat with a broker, else from a timer in the
# web process. 0 turns the timer off (beat then runs only what you schedule yourself).
CHAT_HOUSEKEEPING_SECONDS = float(os.environ.get("CHAT_HOUSEKEEPING_SECONDS", 300))
# The lease a round takes so that no other runs meanwhile (longer than a round lasts).
CHAT_HOUSEKEEPING_LEASE_SECONDS = int(os.environ.get("CHAT_HOUSEKEEPING_LEASE_SECONDS", 600))
CELERY_BEAT_SCHEDULE = (
    {"housekeeping": {"task": "chat.housekeeping", "schedule": CHAT_HOUSEKEEPING_SECONDS}}
    if CHAT_HOUSEKEEPING_SECONDS > 0
    else {}
)

# ---------------------------------------------------------------- ALLAUTH
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
# Mandatory by default: a new account waits for its mail's link, so a sign-up with an
# address that already has an account looks the same ("check your mail") and its owner is
# told by mail. With "optional" a new account signs in at once, which tells the two apart.
# With CHAT_ALLOWED_EMAIL_DOMAINS set, verification is mandatory whatever this says (see
# accounts.allauth_settings): only a confirmed address proves membership.
ACCOUNT_EMAIL_VERIFICATION = os.environ.get("ACCOUNT_EMAIL_VERIFICATION", "mandatory")
ALLAUTH_SETTING_GETTER = "accounts.allauth_settings.setting"
# Sign-up, password reset and sign-in never tell whether an address has an account.
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_FORMS = {"login": "accounts.forms.LoginForm"}
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
# A provider's verified email signs in the account that has it (the company's IdP vouches
# for it), so people who first signed up with a password can move to company sign-in.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_LOGIN_ON_GET = False  # the provider button posts, with a CSRF token

# Company rules. Email domains that may sign up (password, provider or SSO header);
# empty allows any.
CHAT_ALLOWED_EMAIL_DOMAINS = [
    domain.lower().lstrip("@") for domain in env_list("CHAT_ALLOWED_EMAIL_DOMAINS")
]
# Company sign-in only: no password sign-up or sign-in; the page shows provider buttons.
CHAT_SSO_ONLY = env_bool("CHAT_SSO_ONLY", False)
# Behind an authenticating proxy: the header carrying the signed-in email (e.g.
# X-Forwarded-Email), believed only on requests that came through a proxy of
# CHAT_SSO_TRUSTED_PROXIES (which must then be set: the start stops otherwise).
CHAT_SSO_HEADER = os.environ.get("CHAT_SSO_HEADER", "")
# The SSO proxy's header with the person's groups, comma-separated (e.g. X-Forwarded-Groups):
# set at each sign-in as their groups here (mapped in the admin). Empty: groups unchanged.
CHAT_SSO_GROUPS_HEADER = os.environ.get("CHAT_SSO_GROUPS_HEADER", "")
# The claim with a person's groups or roles in a provider's sign-in (a dotted path reaches
# into nested claims, e.g. realm_access.roles); per provider OAUTH_<NAME>_GROUPS_CLAIM.
# A sign-in without the claim leaves groups unchanged; empty turns the sync off.
CHAT_GROUPS_CLAIM = os.environ.get("CHAT_GROUPS_CLAIM", "groups")

# Addresses or networks of your proxies (load balancer, TLS or SSO proxy) in front of the
# site. Only from these are X-Forwarded-For, X-Forwarded-Proto and X-Forwarded-Host believed
# (chatproject.proxies); empty believes none of them. `unix` stands for a proxy reaching
# daphne over a unix socket (daphne -u).
CHAT_TRUSTED_PROXIES = env_list("CHAT_TRUSTED_PROXIES")
# The authenticating (SSO) proxies whose header (CHAT_SSO_HEADER, @cl.header_auth_callback)
# signs people in: the request must have come through one of them, as the peer or as an
# X-Forwarded-For hop that CHAT_TRUSTED_PROXIES vouch for. A separate list on purpose: a
# load balancer trusted for the client's address may also route around the SSO proxy.
CHAT_SSO_TRUSTED_PROXIES = env_list("CHAT_SSO_TRUSTED_PROXIES")
for _name, _proxies in (
    ("CHAT_TRUSTED_PROXIES", CHAT_TRUSTED_PROXIES),
    ("CHAT_SSO_TRUSTED_PROXIES", CHAT_SSO_TRUSTED_PROXIES),
):
    for _proxy in _proxies:
        if _proxy == "unix":
            continue
        try:
            ipaddress.ip_network(_proxy, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"{_name}: {_proxy!r} is not an address or a network (names are not "
                "resolved: give the proxy's address, e.g. 10.0.0.5 or 10.0.0.0/24)"
            ) from None
if CHAT_SSO_HEADER and not CHAT_SSO_TRUSTED_PROXIES:
    raise ImproperlyConfigured(
        "CHAT_SSO_HEADER is set but CHAT_SSO_TRUSTED_PROXIES is empty: list the address of "
        "the authenticating proxy that sets the header (e.g. CHAT_SSO_TRUSTED_PROXIES=10.0.0.5); "
        "from anywhere else the header would let anyone sign in as anyone"
    )


def _oauth_app(
    prefix: str,
    *,
    needs: tuple[str, ...] = (),
    optional: dict[str, str] | None = None,
    **app_settings: str,
) -> dict | None:
    """One provider app from OAUTH_<PREFIX>_CLIENT_ID, _CLIENT_SECRET and what it needs
    (Chainlit's variable names); None while any of them is unset. `optional` maps an app
    setting to the variable that sets it when given."""
    values = {
        name: os.environ.get(f"OAUTH_{prefix}_{name}", "").strip()
        for name in ("CLIENT_ID", "CLIENT_SECRET", *needs)
    }
    if not all(values.values()):
        return None
    app = {"client_id": values["CLIENT_ID"], "secret": values["CLIENT_SECRET"], "key": ""}
    settings_ = {key: value.format(**values) for key, value in app_settings.items()}
    for key, name in (optional or {}).items():
        if given := os.environ.get(f"OAUTH_{prefix}_{name}", "").strip():
            settings_[key] = given.rstrip("/")
    return {**app, "settings": settings_} if settings_ else app


def _host(value: str) -> str:
    """A domain variable as allauth wants it: no scheme, no trailing slash (Chainlit's
    variables name a domain; people paste a URL)."""
    return value.strip().removeprefix("https://").rstrip("/")


def _oauth_providers() -> dict[str, dict]:
    """allauth providers turned on by environment variables alone: no database rows."""
    providers: dict[str, dict] = {}
    simple = {
        "google": _oauth_app("GOOGLE"),
        "microsoft": _oauth_app(
            "AZURE_AD",
            needs=("TENANT_ID",),
            # Sovereign clouds (US Government, China) sign in and read the profile elsewhere.
            optional={"login_url": "LOGIN_URL", "graph_url": "GRAPH_URL"},
            tenant="{TENANT_ID}",
        ),
    }
    for provider, app in simple.items():
        if app:
            providers[provider] = {"APPS": [app]}
    gitlab = _oauth_app("GITLAB", needs=("DOMAIN",))
    if gitlab:
        gitlab["settings"] = {"gitlab_url": "https://" + _host(os.environ["OAUTH_GITLAB_DOMAIN"])}
        providers["gitlab"] = {"APPS": [gitlab]}
    github = _oauth_app("GITHUB")
    if github:
        providers["github"] = {"APPS": [github]}
        # GitHub Enterprise Server: its own sign-in, and its API under /api/v3.
        if enterprise := os.environ.get("OAUTH_GITHUB_ENTERPRISE_URL", "").strip():
            providers["github"]["GITHUB_URL"] = enterprise.rstrip("/")
    okta = _oauth_app("OKTA", needs=("DOMAIN",))
    if okta:
        providers["okta"] = {
            "OKTA_BASE_URL": _host(os.environ["OAUTH_OKTA_DOMAIN"]),
            "APPS": [okta],
        }
    cognito = _oauth_app("COGNITO", needs=("DOMAIN",))
    if cognito:
        domain = "https://" + _host(os.environ["OAUTH_COGNITO_DOMAIN"])
        providers["amazon_cognito"] = {"DOMAIN": domain, "APPS": [cognito]}
    oidc_apps = []
    keycloak = _oauth_app("KEYCLOAK", needs=("BASE_URL", "REALM"))
    if keycloak:
        base = os.environ["OAUTH_KEYCLOAK_BASE_URL"].strip().rstrip("/")
        realm = os.environ["OAUTH_KEYCLOAK_REALM"].strip()
        keycloak["settings"] = {"server_url": f"{base}/realms/{realm}"}
        name = os.environ.get("OAUTH_KEYCLOAK_NAME") or "Keycloak"
        oidc_apps.append({**keycloak, "provider_id": "keycloak", "name": name})
    # Auth0 and Descope through OpenID Connect rather than allauth's Auth0 provider: the
    # id_token is checked and `email_verified` is believed, so a verified address signs in
    # at once; allauth's Auth0 provider counts every address as unconfirmed.
    auth0 = _oauth_app("AUTH0", needs=("DOMAIN",))
    if auth0:
        auth0["settings"] = {"server_url": "https://" + _host(os.environ["OAUTH_AUTH0_DOMAIN"])}
        oidc_apps.append({**auth0, "provider_id": "auth0", "name": "Auth0"})
    descope = _oauth_app("DESCOPE")
    if descope:
        # Descope's issuer is its API's URL followed by the project id (the client id).
        base = os.environ.get("OAUTH_DESCOPE_BASE_URL", "").strip().rstrip("/")
        server_url = f"{base or 'https://api.descope.com'}/{descope['client_id']}"
        descope["settings"] = {"server_url": server_url}
        oidc_apps.append({**descope, "provider_id": "descope", "name": "Descope"})
    generic = _oauth_app("OIDC", needs=("SERVER_URL",), server_url="{SERVER_URL}")
    if generic:
        name = os.environ.get("OAUTH_OIDC_NAME") or "Company sign-in"
        oidc_apps.append({**generic, "provider_id": "oidc", "name": name})
    if oidc_apps:
        providers["openid_connect"] = {"APPS": oidc_apps}
    return providers


SOCIALACCOUNT_PROVIDERS = _oauth_providers()
# allauth's provider ids by the prefix of their OAUTH_* variables.
_PROVIDER_IDS = {
    "GITHUB": "github",
    "GOOGLE": "google",
    "AZURE_AD": "microsoft",
    "GITLAB": "gitlab",
    "OKTA": "okta",
    "KEYCLOAK": "keycloak",
    "OIDC": "oidc",
}
CHAT_GROUPS_CLAIMS = {
    provider: os.environ[f"OAUTH_{prefix}_GROUPS_CLAIM"]
    for prefix, provider in _PROVIDER_IDS.items()
    if os.environ.get(f"OAUTH_{prefix}_GROUPS_CLAIM")
}

# Rate limits (allauth's syntax: "<count>/<period>/<per: ip, key or user>"; empty: off).
ACCOUNT_RATE_LIMITS = {
    "login": os.environ.get("RATE_LIMIT_LOGIN", "30/m/ip"),
    "login_failed": os.environ.get("RATE_LIMIT_LOGIN_FAILED", "10/m/ip,5/5m/key"),
    "signup": os.environ.get("RATE_LIMIT_SIGNUP", "20/m/ip"),
    "reset_password": os.environ.get("RATE_LIMIT_RESET_PASSWORD", "20/m/ip,5/m/key"),
}
ACCOUNT_RATE_LIMITS = {action: rate or None for action, rate in ACCOUNT_RATE_LIMITS.items()}
# Per-address limits count the client's address that CHAT_TRUSTED_PROXIES vouch for (the
# account adapter's get_client_ip), not X-Forwarded-For as anyone writes it.

# Two-factor sign-in: authenticator apps (TOTP) and recovery codes.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = os.environ.get("CHAT_UI_NAME", "Assistant")
# Staff must set up an authenticator app before they reach anything else.
CHAT_MFA_REQUIRED_FOR_STAFF = env_bool("CHAT_MFA_REQUIRED_FOR_STAFF", False)

# ------------------------------------------------------------------- CHAT
# The assistant: a dotted module path or a path to a .py file.
CHAT_ASSISTANT = os.environ.get("CHAT_ASSISTANT", "chat.assistants.default")
CHAT_UI_NAME = os.environ.get("CHAT_UI_NAME", "Assistant")
# Branding ("Make it yours" in the README). Logo, favicon and custom CSS: a path under
# static/ (e.g. "brand/logo.svg") or a full URL. The logo replaces the accent square.
CHAT_UI_LOGO = os.environ.get("CHAT_UI_LOGO", "")
CHAT_UI_FAVICON = os.environ.get("CHAT_UI_FAVICON", "chat/favicon.svg")
# Accent colours (buttons, links, focus) of the light and the dark theme: CSS colours.
CHAT_UI_ACCENT = os.environ.get("CHAT_UI_ACCENT", "#4f46e5")
CHAT_UI_ACCENT_DARK = os.environ.get("CHAT_UI_ACCENT_DARK", "#818cf8")
# The theme before a user picks one: "system" (follow the device), "light" or "dark".
CHAT_UI_THEME = os.environ.get("CHAT_UI_THEME", "system")
# A stylesheet loaded after the product's own, to restyle anything.
CHAT_UI_CUSTOM_CSS = os.environ.get("CHAT_UI_CUSTOM_CSS", "")
# What link previews and search engines show: the page's description and Open Graph image
# (a path under static/ or a full URL).
CHAT_UI_DESCRIPTION = os.environ.get("CHAT_UI_DESCRIPTION", "")
CHAT_UI_META_IMAGE = os.environ.get("CHAT_UI_META_IMAGE", "")
# A picture beside the sign-in form on wide screens (Chainlit's login_page_image).
CHAT_UI_LOGIN_IMAGE = os.environ.get("CHAT_UI_LOGIN_IMAGE", "")
# "wide" lets the conversation use the whole width of a large screen; "default" keeps lines
# readable.
CHAT_UI_LAYOUT = os.environ.get("CHAT_UI_LAYOUT", "default")
# The conversations' sidebar on a wide screen: "open", or "closed" behind the menu button
# (Chainlit's default_sidebar_state).
CHAT_UI_SIDEBAR = os.environ.get("CHAT_UI_SIDEBAR", "open")
# Links in the chat's header: "Label|URL" items, comma-separated (Chainlit's header_links).
CHAT_UI_HEADER_LINKS = env_list("CHAT_UI_HEADER_LINKS")
# Values each person must give before chatting, as Chainlit's user_env (their own API key,
# say): comma-separated names. Stored encrypted; hooks read them in cl.user_session.get("env").
CHAT_USER_ENV = env_list("CHAT_USER_ENV")
# Where the chat settings open (Chainlit's chat_settings_location): "message_composer", a
# dialog over the chat, or "sidebar", a panel at the side with the chat usable beside it.
CHAT_SETTINGS_LOCATION = os.environ.get("CHAT_SETTINGS_LOCATION", "message_composer")
# The panel at the side opens by itself once the chat has settings (Chainlit's
# default_chat_settings_open); a chat profile may say otherwise.
CHAT_SETTINGS_OPEN = env_bool("CHAT_SETTINGS_OPEN", False)
# Always ask before a new chat (not only while an answer is being written).
CHAT_CONFIRM_NEW_CHAT = env_bool("CHAT_CONFIRM_NEW_CHAT", False)
CHAT_COT = os.environ.get("CHAT_COT", "full")
# Tag each conversation with its chat profile, as Chainlit's auto_tag_thread.
CHAT_AUTO_TAG_THREAD = env_bool("CHAT_AUTO_TAG_THREAD", True)
# Read-only links to a conversation (the Share menu item). Off: no Share item, and every
# link given out so far answers 404; the app's @cl.on_shared_thread_view decides who else
# may open one.
CHAT_SHARING = env_bool("CHAT_SHARING", True)
# Streamed tokens are pushed at most once per this many milliseconds per message.
CHAT_STREAM_FRAME_MS = int(os.environ.get("CHAT_STREAM_FRAME_MS", 30))
# Every open websocket's sign-in (session, account) is checked in full once per this many
# seconds (plus at most 3), frames or not, by one check per process for all its sockets
# (chat.engine.sign_in_watch): what no sign-out announced ends it by then.
CHAT_SIGN_IN_CHECK_SECONDS = float(os.environ.get("CHAT_SIGN_IN_CHECK_SECONDS", 30))
# Streamed text is written to the database at most once per this many seconds.
CHAT_STREAM_SAVE_SECONDS = float(os.environ.get("CHAT_STREAM_SAVE_SECONDS", 1.0))
# A message still marked streaming with no write for this long lost its server.
CHAT_STREAM_STALE_SECONDS = float(os.environ.get("CHAT_STREAM_STALE_SECONDS", 20))
# A conversation is shown from its end, this many messages at a time (the chat page, the
# socket's snapshot, the reviewers' transcript); older ones load on demand.
CHAT_THREAD_PAGE_SIZE = int(os.environ.get("CHAT_THREAD_PAGE_SIZE", 50))
# On SIGTERM, how long answers in flight may go on before the process stops (they are then
# saved as interrupted); keep it under the orchestrator's own grace (Kubernetes: 30 s).
CHAT_SHUTDOWN_GRACE_SECONDS = float(os.environ.get("CHAT_SHUTDOWN_GRACE_SECONDS", 20))
CHAT_MAX_MESSAGE_CHARS = int(os.environ.get("CHAT_MAX_MESSAGE_CHARS", 20_000))
# Favorites (saved prompts) a person may keep; past it, starring another is refused.
CHAT_FAVORITES_MAX = int(os.environ.get("CHAT_FAVORITES_MAX", 50))
# Messages one user may send, "<count>/<seconds>" (e.g. 20/60); over it a message is
# refused with a notice and stays in the composer. Every other frame that makes the
# assistant run (an edit, a button, ...) counts too. Empty: no limit.
CHAT_MESSAGE_RATE_LIMIT = os.environ.get("CHAT_MESSAGE_RATE_LIMIT", "20/60")
# Answers: formulas ($...$, $$...$$, \\(...\\), \\[...\\]) drawn as math; user messages as
# markdown too (off, as in Chainlit); the hosts whose images markdown may show (any other
# image is a link: the reader's browser would tell that host who read the answer).
CHAT_MARKDOWN_MATH = env_bool("CHAT_MARKDOWN_MATH", True)
CHAT_USER_MESSAGE_MARKDOWN = env_bool("CHAT_USER_MESSAGE_MARKDOWN", False)
CHAT_MARKDOWN_IMAGE_HOSTS = [host.lower() for host in env_list("CHAT_MARKDOWN_IMAGE_HOSTS")]
# Rendered answers kept in memory per process (a thread page shows each again on a load).
CHAT_MARKDOWN_CACHE_MB = float(os.environ.get("CHAT_MARKDOWN_CACHE_MB", 128))
# Follow new content while the reader is at the bottom: after their own message, and as
# the assistant's answers and steps arrive (Chainlit's features.autoscroll_*).
CHAT_AUTOSCROLL_USER = env_bool("CHAT_AUTOSCROLL_USER", True)
CHAT_AUTOSCROLL_ASSISTANT = env_bool("CHAT_AUTOSCROLL_ASSISTANT", True)
# The Content-Security-Policy of every page; empty sends none. Images come from this site
# and from CHAT_MARKDOWN_IMAGE_HOSTS.
_IMAGE_SOURCES = " ".join(["'self'", "data:", "blob:", *CHAT_MARKDOWN_IMAGE_HOSTS])
CHAT_CSP = os.environ.get(
    "CHAT_CSP",
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    f"img-src {_IMAGE_SOURCES}; "
    "media-src 'self' blob:; font-src 'self' data:; "
    "connect-src 'self'; frame-src 'self'; frame-ancestors 'self'; object-src 'none'; "
    "base-uri 'self'",
)
# Files attached to a message (the button, drag and drop, paste); off refuses them on the
# server too. Questions that ask for a file (AskFileMessage) still take one.
CHAT_UPLOADS = env_bool("CHAT_UPLOADS", True)
# Uploads: the type is sniffed from the content and must match one of these patterns.
CHAT_UPLOAD_ACCEPT = env_list(
    "CHAT_UPLOAD_ACCEPT",
    "text/*,application/pdf,image/png,image/jpeg,image/gif,image/webp,application/json,"
    "application/vnd.openxmlformats-officedocument.*,audio/*,video/*",
)
CHAT_UPLOAD_MAX_MB = float(os.environ.get("CHAT_UPLOAD_MAX_MB", 20))
CHAT_UPLOAD_MAX_FILES = int(os.environ.get("CHAT_UPLOAD_MAX_FILES", 10))
# Django refuses larger form bodies (files aside) before our checks see them.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# An upload past this size goes to a temporary file as it is read, never into memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 512 * 1024
# Request bodies are capped before they are read (chatproject/body_limits.py): an upload
# carries at most CHAT_UPLOAD_MAX_FILES files of CHAT_UPLOAD_MAX_MB, plus the form around
# them; a platform's webhook a small event; anything else a form without files.
CHAT_UPLOAD_MAX_BODY_BYTES = int(CHAT_UPLOAD_MAX_MB * 1024 * 1024) * CHAT_UPLOAD_MAX_FILES + (
    1024 * 1024
)
CHAT_WEBHOOK_MAX_BODY_BYTES = 1024 * 1024
CHAT_MAX_BODY_BYTES = DATA_UPLOAD_MAX_MEMORY_SIZE + 64 * 1024
# runchat makes the demo account (a superuser with a published password) only on the
# embedded SQLite database: never in a database configured for anything else.
CHAT_EMBEDDED_DATABASE = not DATABASE_URL and not POSTGRES_HOST
CHAT_DEMO_USER = os.environ.get("CHAT_DEMO_USER", "demo@example.com")
CHAT_DEMO_PASSWORD = os.environ.get("CHAT_DEMO_PASSWORD", "demo-password-123")
# `manage.py purge_threads` (run it from cron) deletes threads with no activity for this
# many days, with their files. Empty or 0 keeps every thread.
CHAT_RETENTION_DAYS = int(os.environ.get("CHAT_RETENTION_DAYS") or 0)
# Document Q&A: a document's text beyond this many characters is not indexed (the
# ingestion says so), which bounds the work and memory one upload can take.
CHAT_RAG_MAX_CHARS = int(os.environ.get("CHAT_RAG_MAX_CHARS", 5_000_000))
# A document may unpack to at most this many MB (a .docx is a zip: 1 MB of it can hold
# gigabytes), and a PDF have at most this many pages; past either it is refused, unread.
CHAT_RAG_MAX_EXPANDED_MB = float(os.environ.get("CHAT_RAG_MAX_EXPANDED_MB", 100))
CHAT_RAG_MAX_PAGES = int(os.environ.get("CHAT_RAG_MAX_PAGES", 2000))
# Target size in characters of the passages documents are split into.
CHAT_RAG_CHUNK_CHARS = int(os.environ.get("CHAT_RAG_CHUNK_CHARS", 1000))
# Optional vectors: an OpenAI-compatible embeddings endpoint (its base URL, ending in /v1).
# With it, on PostgreSQL with pgvector, retrieval is hybrid: full-text and nearest vectors.
CHAT_RAG_EMBEDDINGS_URL = os.environ.get("CHAT_RAG_EMBEDDINGS_URL", "")
CHAT_RAG_EMBEDDINGS_KEY = os.environ.get("CHAT_RAG_EMBEDDINGS_KEY", "")
CHAT_RAG_EMBEDDINGS_MODEL = os.environ.get("CHAT_RAG_EMBEDDINGS_MODEL", "text-embedding-3-small")
CHAT_RAG_EMBEDDINGS_DIMENSIONS = int(os.environ.get("CHAT_RAG_EMBEDDINGS_DIMENSIONS", 1536))
# The model behind the default assistant; with no CHAT_LLM_MODEL it is the offline demo.
# Provider: openai (also Azure OpenAI and any OpenAI-compatible server), anthropic, mistral.
CHAT_LLM_PROVIDER = os.environ.get("CHAT_LLM_PROVIDER", "openai").strip().lower()
CHAT_LLM_BASE_URL = os.environ.get("CHAT_LLM_BASE_URL", "")
CHAT_LLM_API_KEY = os.environ.get("CHAT_LLM_API_KEY", "")
CHAT_LLM_MODEL = os.environ.get("CHAT_LLM_MODEL", "")
CHAT_LLM_TIMEOUT = float(os.environ.get("CHAT_LLM_TIMEOUT", 60))
CHAT_LLM_MAX_RETRIES = int(os.environ.get("CHAT_LLM_MAX_RETRIES", 2))
CHAT_LLM_MAX_TOKENS = int(os.environ.get("CHAT_LLM_MAX_TOKENS", 1024))
CHAT_LLM_TEMPERATURE = (
    float(os.environ["CHAT_LLM_TEMPERATURE"]) if os.environ.get("CHAT_LLM_TEMPERATURE") else None
)
# Azure OpenAI: its API version; CHAT_LLM_BASE_URL is then the resource's endpoint and
# CHAT_LLM_MODEL the deployment's name.
CHAT_LLM_API_VERSION = os.environ.get("CHAT_LLM_API_VERSION", "")
# Voice: the composer's microphone streams PCM16 at this rate (Chainlit's default too).
CHAT_AUDIO_SAMPLE_RATE = int(os.environ.get("CHAT_AUDIO_SAMPLE_RATE", 24000))
# The longest recording, in seconds; the largest binary frame of it, in bytes.
CHAT_AUDIO_MAX_SECONDS = float(os.environ.get("CHAT_AUDIO_MAX_SECONDS", 60))
CHAT_AUDIO_MAX_CHUNK_BYTES = int(os.environ.get("CHAT_AUDIO_MAX_CHUNK_BYTES", 64 * 1024))
# Speech to text for the default assistant: an OpenAI-compatible /audio/transcriptions
# (base URL and key default to CHAT_LLM_*); unset: PocketSphinx offline if installed.
CHAT_STT_MODEL = os.environ.get("CHAT_STT_MODEL", "")
CHAT_STT_BASE_URL = os.environ.get("CHAT_STT_BASE_URL", "") or CHAT_LLM_BASE_URL
CHAT_STT_API_KEY = os.environ.get("CHAT_STT_API_KEY", "") or CHAT_LLM_API_KEY
# Spoken answers: an OpenAI-compatible /audio/speech; unset: espeak-ng if installed, or none.
CHAT_TTS_MODEL = os.environ.get("CHAT_TTS_MODEL", "")
CHAT_TTS_VOICE = os.environ.get("CHAT_TTS_VOICE", "alloy")
CHAT_TTS_BASE_URL = os.environ.get("CHAT_TTS_BASE_URL", "") or CHAT_LLM_BASE_URL
CHAT_TTS_API_KEY = os.environ.get("CHAT_TTS_API_KEY", "") or CHAT_LLM_API_KEY
if CHAT_LLM_PROVIDER not in ("openai", "anthropic", "mistral"):
    raise ImproperlyConfigured(
        f"CHAT_LLM_PROVIDER must be openai, anthropic or mistral, not {CHAT_LLM_PROVIDER!r}"
    )
# Tool servers (Model Context Protocol) for every chat, as a JSON list of objects:
# {"name": "tickets", "type": "streamable-http" | "sse", "url": ..., "headers": {...}} or
# {"name": ..., "type": "stdio", "command": ..., "args": [...], "env": {...}}. Each is
# connected when a chat opens (here or on any instance) and handed to @cl.on_mcp_connect.
CHAT_MCP_SERVERS = json.loads(os.environ.get("CHAT_MCP_SERVERS") or "[]")
# Executables a stdio server may be started with (names or absolute paths); empty: none.
# They are started directly, never through a shell.
CHAT_MCP_STDIO_ALLOWED = env_list("CHAT_MCP_STDIO_ALLOWED")
# Hosts a person's own HTTP/SSE server may be at (shell-style patterns, e.g.
# "*.example.com"); empty: people may not add HTTP servers. Private and loopback
# addresses are refused unless listed literally.
CHAT_MCP_ALLOWED_HOSTS = env_list("CHAT_MCP_ALLOWED_HOSTS")
# Seconds to connect to a server (and list its tools), and to wait for one tool call.
CHAT_MCP_CONNECT_TIMEOUT = float(os.environ.get("CHAT_MCP_CONNECT_TIMEOUT", 10))
CHAT_MCP_CALL_TIMEOUT = float(os.environ.get("CHAT_MCP_CALL_TIMEOUT", 30))
# Characters of a tool's output kept in its step (and given to the model); beyond, cut.
CHAT_MCP_OUTPUT_LIMIT = int(os.environ.get("CHAT_MCP_OUTPUT_LIMIT", 20_000))
# Ask the person (Allow / Deny) before the default assistant runs each tool call.
CHAT_MCP_CONFIRM_TOOLS = env_bool("CHAT_MCP_CONFIRM_TOOLS", False)


# ------------------------------------------------------------ USAGE AND QUOTAS
# Prices per million tokens, by model, as JSON: {"gpt-4o-mini": {"input": 0.15,
# "output": 0.6, "cached_input": 0.075}} ("cached_input" defaults to "input"). A model
# that is not listed has its tokens counted and its cost shown as unknown.
def _model_prices(raw: str) -> dict[str, dict[str, float]]:
    import json

    try:
        prices = json.loads(raw or "{}")
    except ValueError as error:
        raise ImproperlyConfigured(f"CHAT_MODEL_PRICES is not valid JSON: {error}") from error
    if not isinstance(prices, dict) or not all(
        isinstance(p, dict) and {"input", "output"} <= p.keys() for p in prices.values()
    ):
        raise ImproperlyConfigured(
            'CHAT_MODEL_PRICES must map each model to {"input": ..., "output": ...}'
        )
    return prices


CHAT_MODEL_PRICES = _model_prices(os.environ.get("CHAT_MODEL_PRICES", ""))
# The currency of those prices and of cost quotas, as shown.
CHAT_COST_CURRENCY = os.environ.get("CHAT_COST_CURRENCY", "USD")
# Whom a person over their quota is told to ask (an address, a team, a link).
CHAT_QUOTA_CONTACT = os.environ.get("CHAT_QUOTA_CONTACT", "")
# An answer whose process died stops holding back its owner's quota after this long.
CHAT_QUOTA_RESERVATION_MINUTES = int(os.environ.get("CHAT_QUOTA_RESERVATION_MINUTES", 15))
# How long the audit log of staff actions is kept, in days (0: for ever).
# `manage.py purge_audit` (from cron) removes older entries.
CHAT_AUDIT_RETENTION_DAYS = int(os.environ.get("CHAT_AUDIT_RETENTION_DAYS", 365))
# How old today's rows of the usage dashboard may be before it rebuilds them, in seconds.
CHAT_USAGE_ROLLUP_SECONDS = int(os.environ.get("CHAT_USAGE_ROLLUP_SECONDS", 300))

# -------------------------------------------------------------- PLATFORMS
# The assistant in Slack, Discord and Teams, each on when its secrets are set.
# The site's public address, for links to files in platform messages (and the copilot).
CHAT_PUBLIC_URL = os.environ.get("CHAT_PUBLIC_URL", "")
# A platform user with no account of ours: "refuse" them, or "create" an account.
CHAT_PLATFORM_UNKNOWN_USERS = os.environ.get("CHAT_PLATFORM_UNKNOWN_USERS", "refuse")
# A streamed answer edits its platform message at most once per this many seconds.
CHAT_PLATFORM_EDIT_SECONDS = float(os.environ.get("CHAT_PLATFORM_EDIT_SECONDS", 1.0))
# Files of an answer are uploaded to Slack and Discord, and offered in Teams' personal chats,
# up to this size (Discord's own limit for a bot is 10 MB); a larger one, or one the
# platform refuses, stays a link.
CHAT_PLATFORM_UPLOAD_MAX_MB = float(os.environ.get("CHAT_PLATFORM_UPLOAD_MAX_MB", 8))
# Thumbs up and down under each finished answer in Slack, Discord and Teams (as Chainlit's),
# stored as the web's ratings are and handed to @cl.on_feedback.
CHAT_PLATFORM_FEEDBACK = env_bool("CHAT_PLATFORM_FEEDBACK", False)
# A platform conversation's session closes after this many seconds without an event.
CHAT_PLATFORM_IDLE_SECONDS = float(os.environ.get("CHAT_PLATFORM_IDLE_SECONDS", 600))
# Signed requests older (or newer) than this many seconds are refused as replays.
CHAT_PLATFORM_MAX_AGE_SECONDS = float(os.environ.get("CHAT_PLATFORM_MAX_AGE_SECONDS", 300))
CHAT_SLACK_SIGNING_SECRET = os.environ.get("CHAT_SLACK_SIGNING_SECRET", "")
CHAT_SLACK_BOT_TOKEN = os.environ.get("CHAT_SLACK_BOT_TOKEN", "")
CHAT_SLACK_API_URL = os.environ.get("CHAT_SLACK_API_URL", "https://slack.com/api/")
# Socket Mode (no public URL): the app-level token (xapp-..., scope connections:write) that
# `manage.py slack_socket_mode` connects with; the signing secret is then not needed.
CHAT_SLACK_APP_TOKEN = os.environ.get("CHAT_SLACK_APP_TOKEN", "")
CHAT_DISCORD_PUBLIC_KEY = os.environ.get("CHAT_DISCORD_PUBLIC_KEY", "")
CHAT_DISCORD_APPLICATION_ID = os.environ.get("CHAT_DISCORD_APPLICATION_ID", "")
# Messages and mentions (not only /ask): the bot's token, for `manage.py discord_gateway`.
CHAT_DISCORD_BOT_TOKEN = os.environ.get("CHAT_DISCORD_BOT_TOKEN", "")
CHAT_DISCORD_API_URL = os.environ.get("CHAT_DISCORD_API_URL", "https://discord.com/api/v10")
# A sharded bot: the shard `manage.py discord_gateway` runs, of how many (both, or neither).
CHAT_DISCORD_SHARD_ID = (
    int(os.environ["CHAT_DISCORD_SHARD_ID"]) if os.environ.get("CHAT_DISCORD_SHARD_ID") else None
)
CHAT_DISCORD_SHARD_COUNT = (
    int(os.environ["CHAT_DISCORD_SHARD_COUNT"])
    if os.environ.get("CHAT_DISCORD_SHARD_COUNT")
    else None
)
CHAT_TEAMS_APP_ID = os.environ.get("CHAT_TEAMS_APP_ID", "")
CHAT_TEAMS_APP_PASSWORD = os.environ.get("CHAT_TEAMS_APP_PASSWORD", "")
# A single-tenant bot (Azure Bot "Single Tenant", as new bots are): its Microsoft Entra
# tenant id, whose endpoint then issues the bot's token. Empty: a multi-tenant bot.
CHAT_TEAMS_TENANT_ID = os.environ.get("CHAT_TEAMS_TENANT_ID", "")
CHAT_TEAMS_TOKEN_URL = os.environ.get(
    "CHAT_TEAMS_TOKEN_URL",
    f"https://login.microsoftonline.com/{CHAT_TEAMS_TENANT_ID or 'botframework.com'}"
    "/oauth2/v2.0/token",
)
CHAT_TEAMS_OPENID_URL = os.environ.get(
    "CHAT_TEAMS_OPENID_URL", "https://login.botframework.com/v1/.well-known/openidconfiguration"
)
CHAT_TEAMS_ISSUER = os.environ.get("CHAT_TEAMS_ISSUER", "https://api.botframework.com")
# An answer's PNG, JPEG or GIF up to this size in KB is shown inside the Teams message (as a
# data: URL; Teams caps a message near 40 KB, and base64 adds a third).
CHAT_TEAMS_INLINE_IMAGE_KB = float(os.environ.get("CHAT_TEAMS_INLINE_IMAGE_KB", 28))
# The copilot widget: a script tag that opens the assistant in a panel of any page.
CHAT_COPILOT = env_bool("CHAT_COPILOT", False)
# Origins (scheme://host[:port]) of other sites' pages that may embed it.
CHAT_COPILOT_ALLOWED_ORIGINS = env_list("CHAT_COPILOT_ALLOWED_ORIGINS")
# How long a sign-in token issued for the widget by a host page's backend is valid.
CHAT_COPILOT_TOKEN_SECONDS = int(os.environ.get("CHAT_COPILOT_TOKEN_SECONDS", 3600))
# Origins (scheme://host[:port]) of other sites' pages that may show the whole chat in
# an iframe, as Chainlit apps are embedded, and exchange window messages with it.
CHAT_FRAME_ANCESTORS = env_list("CHAT_FRAME_ANCESTORS")
for _origin in CHAT_FRAME_ANCESTORS:
    if not re.fullmatch(r"https?://[^/\s;,'\"]+", _origin):
        raise ImproperlyConfigured(
            f"CHAT_FRAME_ANCESTORS: {_origin!r} is not an origin: give scheme://host[:port], "
            "e.g. https://intranet.example.com, with no path"
        )

# ------------------------------------------------------------- OPERATIONS
# /readyz answers within this many seconds: each service (database, Redis, channel layer,
# Celery broker) that has not answered by then counts as down.
CHAT_READY_TIMEOUT_SECONDS = float(os.environ.get("CHAT_READY_TIMEOUT_SECONDS", 0.5))
# /metrics (Prometheus) answers only a scraper sending `Authorization: Bearer <this>`;
# empty turns the endpoint off (404).
CHAT_METRICS_TOKEN = os.environ.get("CHAT_METRICS_TOKEN", "")

# ------------------------------------------------------------- PRODUCTION
# No SECURE_PROXY_SSL_HEADER: Django would take X-Forwarded-Proto from anyone. The scheme
# a trusted proxy reports is in the ASGI scope already (chatproject.proxies).
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365))
    # Both bind every subdomain (preload: for good, through browsers' built-in lists).
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"
