"""Milkshop settings, read from the environment.

Development needs no variables at all: SQLite, the django-q2 ORM broker, a
local-memory cache and console email. Production sets DEBUG=false and the
variables listed in the README; a missing secret stops start-up by name.
"""

import os
import sys
from decimal import Decimal
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from billing.gstin import gstin_problem

BASE_DIR = Path(__file__).resolve().parent.parent
TESTING = "pytest" in sys.modules


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    value = env_str(name)
    if not value:
        return default
    return value.lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def env_required(name: str, development_default: str) -> str:
    """A secret: optional while DEBUG is on, required (and named) when it is off."""
    value = env_str(name)
    if value:
        return value
    if DEBUG:
        return development_default
    raise ImproperlyConfigured(f"{name} must be set when DEBUG is off (see README, 'Environment').")


DEBUG = env_bool("DEBUG", default=True)
SECRET_KEY = env_required("SECRET_KEY", "django-insecure-development-only-key-never-use-in-production")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off (see README, 'Environment').")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_q",
    "allauth",
    "allauth.account",
    "allauth.headless",
    "milkshop",
    "accounts",
    "catalog",
    "cart",
    "delivery",
    "payments",
    "orders",
    "containers",
    "subscriptions",
    "billing",
    "analytics",
    "notifications",
    "milkshop.observability",
    "milkshop.taskqueue",
]

MIDDLEWARE = [
    # First: the request id and timing cover every other middleware (see README, "Observability").
    "milkshop.observability.middleware.RequestObservabilityMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "milkshop.middleware.RejectNulBytesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "milkshop.urls"
WSGI_APPLICATION = "milkshop.wsgi.application"
ASGI_APPLICATION = "milkshop.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "milkshop.context_processors.shop",
                "cart.context_processors.cart_count",
                "delivery.context_processors.delivery_nav",
                "billing.context_processors.monthly_account",
            ],
        },
    },
]

# Database: SQLite (WAL, busy timeout, IMMEDIATE transactions so several web
# and worker processes queue for the write lock) unless DATABASE_URL is set.
SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "db.sqlite3",
            # A file, not memory, so that a real worker process can share it in tests.
            "TEST": {"NAME": BASE_DIR / "test-db.sqlite3"},
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = SQLITE_OPTIONS
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Tests use a file too (never memory): worker processes and threads must share the test database.
    DATABASES["default"].setdefault("TEST", {"NAME": f"{DATABASES['default']['NAME']}-test"})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache and task queue: local memory and the ORM broker unless REDIS_URL is set.
REDIS_URL = env_str("REDIS_URL")
# A task running longer than `timeout` is killed; one not acknowledged within `retry` (its worker died) is
# delivered again, up to `max_attempts` runs. A task that raises stays queued for another run
# (ack_failures off) unless it was enqueued with ack_failure=True, as notification sends are: they retry with
# their own backoff (notifications/services.py). Failures are always kept; save_limit bounds successes.
Q_CLUSTER = {
    "name": "milkshop",
    "workers": int(env_str("Q_WORKERS", "2")),
    "timeout": int(env_str("Q_TIMEOUT", "60")),
    "retry": int(env_str("Q_RETRY", "120")),
    "max_attempts": 3,
    "ack_failures": False,
    "poll": 0.5,
    "catch_up": False,
    "save_limit": 1000,
    "sync": TESTING,
}
if REDIS_URL:
    # The cache only holds what can be rebuilt, so by default a dead Redis costs cache hits (and rate limits), not
    # pages: milkshop.cache logs and swallows connection errors. CACHE_FAIL_SOFT=false makes them raise instead.
    CACHES = {
        "default": {
            "BACKEND": "milkshop.cache.FailSoftRedisCache"
            if env_bool("CACHE_FAIL_SOFT", default=True)
            else "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
    Q_CLUSTER["redis"] = REDIS_URL
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    Q_CLUSTER["orm"] = "default"
# Each process also keeps rendered pages in its own memory (milkshop/page_cache.py): a hit costs no round trip.
CACHES["local"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "rendered-pages",
    "OPTIONS": {"MAX_ENTRIES": 2000},
}
# A signed-in customer's cart and order pages are kept too, under a version token per customer in the shared cache
# (milkshop/customer_versions.py). Only with Redis: local memory would not see changes made by other processes.
CACHE_PERSONAL_PAGES = env_bool("CACHE_PERSONAL_PAGES", default=bool(REDIS_URL))
# With a shared cache, sessions are read from it and written through to the database: a signed-in page costs no
# session query. Local memory is per process, so without Redis sessions stay in the database alone.
SESSION_ENGINE = f"django.contrib.sessions.backends.{'cached_db' if REDIS_URL else 'db'}"
if Q_CLUSTER["retry"] <= Q_CLUSTER["timeout"]:
    raise ImproperlyConfigured("Q_RETRY must be greater than Q_TIMEOUT, or a slow task would run twice at once.")

AUTH_USER_MODEL = "accounts.User"
# With Redis the signed-in user comes from the cache, not a query per request (accounts/backends.py).
AUTHENTICATION_BACKENDS = (
    ["accounts.backends.CachedModelBackend", "accounts.backends.CachedAllauthBackend"]
    if REDIS_URL
    else ["django.contrib.auth.backends.ModelBackend", "allauth.account.auth_backends.AuthenticationBackend"]
)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "catalog:catalog"

# django-allauth: email is the login, no usernames.
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupDetailsForm"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None

# The JSON API's tokens: allauth's headless JWT strategy. RS256 with HEADLESS_JWT_PRIVATE_KEY (a PEM) when
# set, otherwise HS256 signed with SECRET_KEY.
HEADLESS_CLIENTS = ("app",)
HEADLESS_TOKEN_STRATEGY = "allauth.headless.tokens.strategies.jwt.JWTTokenStrategy"
HEADLESS_JWT_PRIVATE_KEY = env_str("HEADLESS_JWT_PRIVATE_KEY").replace("\\n", "\n")
HEADLESS_JWT_ALGORITHM = "RS256" if HEADLESS_JWT_PRIVATE_KEY else "HS256"
HEADLESS_JWT_ACCESS_TOKEN_EXPIRES_IN = int(env_str("API_ACCESS_TOKEN_SECONDS", "900"))
HEADLESS_JWT_REFRESH_TOKEN_EXPIRES_IN = int(env_str("API_REFRESH_TOKEN_SECONDS", str(30 * 24 * 3600)))

LANGUAGE_CODE = "en-in"
TIME_ZONE = env_str("TIME_ZONE", "Asia/Kolkata")
USE_I18N = True
USE_TZ = True
CURRENCY = env_str("CURRENCY", "INR")
CURRENCY_SYMBOL = env_str("CURRENCY_SYMBOL", "₹")
MONEY_PLACES = Decimal("0.01")
SHOP_NAME = "Milkshop"
# What tax documents say of the seller. The GSTIN's first two digits are its state's GST code.
SHOP_LEGAL_NAME = env_str("SHOP_LEGAL_NAME", "Milkshop Dairy Private Limited")
SHOP_ADDRESS = env_str("SHOP_ADDRESS", "14, 2nd Main Road, Koramangala 5th Block, Bengaluru 560095")
SHOP_GSTIN = env_required("SHOP_GSTIN", "29AAICM1234F1ZM").upper()
if _gstin_problem := gstin_problem(SHOP_GSTIN):
    raise ImproperlyConfigured(f"SHOP_GSTIN {SHOP_GSTIN!r} is not a GSTIN: {_gstin_problem}.")
SHOP_STATE_CODE = SHOP_GSTIN[:2]
# GST rates a product may carry, in percent (the slabs since September 2025).
GST_SLABS = [Decimal(rate) for rate in env_list("GST_SLABS", "0,5,18,40")]
# Where the shop is reached from outside, for links in emails and SMS (no trailing slash). In production it
# defaults to https:// and the first of ALLOWED_HOSTS.
SITE_URL = env_str("SITE_URL").rstrip("/")
if not SITE_URL:
    _first_host = ALLOWED_HOSTS[0].lstrip(".") if ALLOWED_HOSTS else ""
    if DEBUG:
        SITE_URL = "http://localhost:8000"
    elif _first_host and _first_host != "*":
        SITE_URL = f"https://{_first_host}"
    else:
        raise ImproperlyConfigured(
            "SITE_URL must be set when ALLOWED_HOSTS starts with '*' (see README, 'Environment')."
        )
CATALOG_PAGE_SIZE = 12
CART_MAX_LINE_QTY = int(env_str("CART_MAX_LINE_QTY", "20"))

# Delivery: slot windows (local time), orders per slot, and the cutoff the evening before.
DELIVERY_SLOTS = {"MORNING": ("06:00", "08:00"), "EVENING": ("17:00", "19:00")}
DELIVERY_SLOT_CAPACITY = int(env_str("DELIVERY_SLOT_CAPACITY", "60"))
DELIVERY_CUTOFF = env_str("DELIVERY_CUTOFF", "22:00")
DELIVERY_DAYS_AHEAD = 7
# Proof of delivery: wrong delivery codes a rider may enter before the code locks, and the largest doorstep photo.
DELIVERY_CODE_TRIES = int(env_str("DELIVERY_CODE_TRIES", "5"))
DOOR_PHOTO_MAX_BYTES = int(env_str("DOOR_PHOTO_MAX_BYTES", str(5 * 1024 * 1024)))
ORDERS_PAGE_SIZE = 10
UNPAID_ORDER_TIMEOUT_MINUTES = int(env_str("UNPAID_ORDER_TIMEOUT_MINUTES", "30"))

# Payments: Stripe once both keys are set; the local demo gateway only while developing.
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET")
STRIPE_API_BASE = env_str("STRIPE_API_BASE")
PAYMENTS_DEMO_GATEWAY = env_bool("PAYMENTS_DEMO_GATEWAY", default=DEBUG)

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Serve straight from the app and project folders when nothing is collected (development, tests).
WHITENOISE_USE_FINDERS = DEBUG or TESTING
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# Staff reports (analytics) are private: a folder outside MEDIA_ROOT, or an S3 bucket once REPORTS_S3_BUCKET is set
# (credentials from the usual AWS variables or the instance's role).
REPORTS_ROOT = Path(env_str("REPORTS_ROOT", str(BASE_DIR / "reports")))
REPORTS_S3_BUCKET = env_str("REPORTS_S3_BUCKET")
# Invoices carry names and addresses: a private folder, outside MEDIA_ROOT, served only through the invoice view.
INVOICES_ROOT = Path(env_str("INVOICES_ROOT", str(BASE_DIR / "invoices")))
# Riders' photos of orders left at the door: private like invoices, never served as media.
PROOFS_ROOT = Path(env_str("PROOFS_ROOT", str(BASE_DIR / "proofs")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "invoices": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": INVOICES_ROOT}},
    "proofs": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": PROOFS_ROOT}},
    "reports": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": REPORTS_S3_BUCKET,
            "location": env_str("REPORTS_S3_PREFIX", "reports"),
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": True,
        },
    }
    if REPORTS_S3_BUCKET
    else {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": REPORTS_ROOT}},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Email: console in development, SMTP once EMAIL_HOST is set. EMAIL_BACKEND and
# EMAIL_FILE_PATH choose another backend (the file backend is handy for tests).
_email_host = env_str("EMAIL_HOST")
if _email_host:
    _mailer = {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": _email_host,
            "port": int(env_str("EMAIL_PORT", "587")),
            "username": env_str("EMAIL_HOST_USER"),
            "password": env_str("EMAIL_HOST_PASSWORD"),
            "use_tls": env_bool("EMAIL_USE_TLS", default=True),
            "timeout": 20,
        },
    }
elif env_str("EMAIL_BACKEND") or DEBUG:
    _mailer = {"BACKEND": env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")}
    if env_str("EMAIL_FILE_PATH"):
        _mailer["OPTIONS"] = {"file_path": env_str("EMAIL_FILE_PATH")}
else:
    raise ImproperlyConfigured("EMAIL_HOST must be set when DEBUG is off (see README, 'Environment').")
MAILERS = {"default": _mailer}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Milkshop <hello@milkshop.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# SMS: printed to the console in development, sent through Twilio once its three variables are set, and
# off (no SMS at all) in production without them. SMS_BACKEND names another backend class.
TWILIO_ACCOUNT_SID = env_str("TWILIO_ACCOUNT_SID")
TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN")
TWILIO_FROM_NUMBER = env_str("TWILIO_FROM_NUMBER")
TWILIO_API_BASE = env_str("TWILIO_API_BASE", "https://api.twilio.com")
if TWILIO_ACCOUNT_SID and not (TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER):
    raise ImproperlyConfigured("TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER must be set with TWILIO_ACCOUNT_SID.")
SMS_BACKEND = env_str("SMS_BACKEND") or (
    "notifications.sms.TwilioSmsBackend"
    if TWILIO_ACCOUNT_SID
    else "notifications.sms.ConsoleSmsBackend"
    if DEBUG
    else ""
)
# A failed email or SMS is tried again after 1, 5, 25 … minutes, NOTIFICATION_MAX_ATTEMPTS times in all.
NOTIFICATION_MAX_ATTEMPTS = int(env_str("NOTIFICATION_MAX_ATTEMPTS", "5"))
NOTIFICATION_RETRY_SECONDS = 60

# Content Security Policy: no inline scripts or styles anywhere.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Production hardening: on whenever DEBUG is off.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = int(env_str("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# /metrics (Prometheus) answers staff and these addresses or CIDR networks (REMOTE_ADDR only); others get a 404.
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", "127.0.0.1,::1" if DEBUG else "")

# Logs go to stdout, one JSON object per line in production (LOG_FORMAT=json), readable lines while
# developing (LOG_FORMAT=text). Every record carries the request id (see README, "Observability").
LOG_FORMAT = env_str("LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be 'json' or 'text', not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "milkshop.observability.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "milkshop.observability.logs.JsonFormatter"},
        "text": {"()": "milkshop.observability.logs.TextFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "filters": ["request_id"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django-q": {"level": env_str("Q_LOG_LEVEL", "INFO")},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

if TESTING:
    # Hashing cost is irrelevant in tests and dominates their run time.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Like Django's test email outbox: SMS land in notifications.sms.outbox (tests that need Twilio set it).
    SMS_BACKEND = "notifications.sms.LocmemSmsBackend"
    STORAGES["reports"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": BASE_DIR / "test-reports"},
    }
    STORAGES["invoices"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": BASE_DIR / "test-invoices"},
    }
    STORAGES["proofs"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": BASE_DIR / "test-proofs"},
    }
