"""Settings for the member portal, all driven by the environment (12-factor).

Embedded defaults (no variable set): DEBUG on, SQLite, e-mail to the console, Celery tasks run
in-process. Production sets DEBUG=false and must then provide SECRET_KEY and ALLOWED_HOSTS.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)

if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
else:
    SECRET_KEY = env("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

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
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "csp",
    "core",
    "amtportal",
    "members",
    "ccp",
    "billing",
    "audits",
    "recert",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.http_guard.UnstorableTextMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.cache_headers.PrivateNoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.permissions.StaffTwoFactorMiddleware",
]

ROOT_URLCONF = "amtportal.urls"
WSGI_APPLICATION = "amtportal.wsgi.application"

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
                "amtportal.context_processors.portal",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "members.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

# django-allauth: e-mail login, no open sign-up (members are created by staff and invited).
ACCOUNT_ADAPTER = "members.adapters.AccountAdapter"
ACCOUNT_FORMS = {
    name: f"members.forms.{form}"
    for name, form in {
        "login": "LoginForm",
        "change_password": "ChangePasswordForm",
        "set_password": "SetPasswordForm",
        "reset_password": "ResetPasswordForm",
        "reset_password_from_key": "ResetPasswordKeyForm",
        "add_email": "AddEmailForm",
    }.items()
}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
# One login address at a time: a change is confirmed from the new address before it replaces the old.
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[AMT Portal] "
ACCOUNT_RATE_LIMITS = {
    # Login throttling against password guessing: per account and per client address.
    "login_failed": "5/5m/key,20/5m/ip",
    "login": "30/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
}
# Behind a reverse proxy, how many X-Forwarded-For hops to trust for the client address (rate limits).
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env("MFA_TOTP_ISSUER", default="AMT Member Portal")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="America/Chicago")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "private")
# Every stored file (members' documents, mail-batch print files and manifests) goes through the "default"
# storage: the local folder MEDIA_ROOT, or, when AWS_STORAGE_BUCKET_NAME is set, one S3-compatible bucket
# that every web and worker machine shares (django-storages). The objects are private: no ACL is sent (the
# bucket's own, private, applies) and nothing links to the bucket; files reach people only through the
# portal's permission-checked views. Credentials are django-storages' and boto3's own variables
# (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, or the machine's role), read by them from the environment.
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
S3_STORAGE = {
    "BACKEND": "storages.backends.s3.S3Storage",
    "OPTIONS": {
        "bucket_name": AWS_STORAGE_BUCKET_NAME,
        # Unset: Amazon S3 itself; most self-hosted servers need the "path" addressing style.
        "endpoint_url": env("AWS_S3_ENDPOINT_URL", default="") or None,
        "region_name": env("AWS_S3_REGION_NAME", default="") or None,
        "addressing_style": env("AWS_S3_ADDRESSING_STYLE", default="") or None,
        "location": env("AWS_LOCATION", default=""),  # a key prefix when the bucket is shared
        "default_acl": None,
        # Stored names are generated (documents) or one per file (a redone mail-batch part replaces its
        # own object): overwriting never loses another file, and saves no existence check per write.
        "file_overwrite": True,
        # url() is never used; were it ever, it would be a signed link valid for a minute, not a public one.
        "querystring_auth": True,
        "querystring_expire": 60,
        "max_memory_size": 16 * 1024 * 1024,  # a file read for a response spills to disk above this
    },
}
STORAGES = {
    "default": (
        S3_STORAGE if AWS_STORAGE_BUCKET_NAME else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "sent-mail"))  # the file backend's
if env("EMAIL_URL", default="") or not DEBUG:
    # In production e-mail must really leave: EMAIL_URL (e.g. smtp+tls://user:pass@host:587) is required.
    vars().update(env.email_url("EMAIL_URL"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="AMT Member Portal <no-reply@portal.example.org>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Domain used in Message-IDs and in links sent by e-mail and post.
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000")
PORTAL_NAME = env("PORTAL_NAME", default="AMT Member Portal")
# The organization profile: the body the portal speaks for and how members reach its member services, shown in
# the page footer, on every PDF and in every e-mail (core.organization). Address lines are separated by "|".
# The defaults are demo placeholders (example.org, a 555-01xx number, a made-up PO box).
ORGANIZATION_NAME = env("ORGANIZATION_NAME", default="American Medical Technologists (AMT)")
ORGANIZATION_EMAIL = env("ORGANIZATION_EMAIL", default="memberservices@portal.example.org")
ORGANIZATION_PHONE = env("ORGANIZATION_PHONE", default="(800) 555-0142")
ORGANIZATION_ADDRESS = env("ORGANIZATION_ADDRESS", default="PO Box 1000|Springfield, IL 62701").split("|")
# Who checks are made payable to, and where they are mailed (a lockbox may differ from the office).
ORGANIZATION_CHECK_PAYEE = env("ORGANIZATION_CHECK_PAYEE", default="American Medical Technologists")
ORGANIZATION_CHECK_ADDRESS = env(
    "ORGANIZATION_CHECK_ADDRESS", default="Annual fees|PO Box 1000|Springfield, IL 62701"
).split("|")
# The return address printed on letters (lines separated by "|") and letters per print file of a mail batch.
MAIL_SENDER = env(
    "MAIL_SENDER", default="|".join([ORGANIZATION_NAME, "Member Services", *ORGANIZATION_ADDRESS])
).split("|")
MAIL_BATCH_PART_SIZE = env.int("MAIL_BATCH_PART_SIZE", default=500)
# A nightly job with no usual duration yet is flagged as stalled once it has been running this long.
NIGHTLY_JOB_STALLED_SECONDS = env.int("NIGHTLY_JOB_STALLED_SECONDS", default=2 * 60 * 60)
# The nightly run fans its heavy jobs out over Celery workers in chunks (amtportal/jobs.py): ids per chunk of
# the status refresh, the invoice issue and the renewal notices, and e-mails per delivery chunk.
NIGHTLY_CHUNK_SIZE = env.int("NIGHTLY_CHUNK_SIZE", default=5000)
EMAIL_DELIVERY_CHUNK_SIZE = env.int("EMAIL_DELIVERY_CHUNK_SIZE", default=500)

# Stripe. The embedded default is a localstripe on this machine (`make run` starts it): test mode, where the
# pay page offers test cards. With real keys the page uses Stripe.js and the webhook secret Stripe gives.
STRIPE_API_BASE = env(
    "STRIPE_API_BASE", default="http://127.0.0.1:8420" if DEBUG else "https://api.stripe.com"
)
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="sk_test_localstripe" if DEBUG else "")
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY", default="pk_test_localstripe" if DEBUG else "")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="whsec_localstripe" if DEBUG else "")
INVITATION_TIMEOUT_DAYS = env.int("INVITATION_TIMEOUT_DAYS", default=14)

# Public "Check your status": lookups per client address in a window of seconds. Number + last name lookups
# could be used to guess; verification links are unguessable and get a far higher limit (one row of a
# checked list counts as one lookup of its kind).
STATUS_LOOKUP_RATE = env("STATUS_LOOKUP_RATE", default="20/600")
STATUS_LINK_RATE = env("STATUS_LINK_RATE", default="1000/600")

# Credly (DOMAIN.md "Digital badges"). The embedded default is the local stand-in that `make run` starts
# (scripts/credly_server.py); for Credly's sandbox set CREDLY_API_BASE=https://sandbox-api.credly.com/v1
# with the sandbox organization's id and token.
CREDLY_API_BASE = env(
    "CREDLY_API_BASE", default="http://127.0.0.1:8430/v1" if DEBUG else "https://api.credly.com/v1"
)
CREDLY_ORGANIZATION_ID = env(
    "CREDLY_ORGANIZATION_ID", default="00000000-0000-4000-8000-00000000c7ed" if DEBUG else ""
)
CREDLY_TOKEN = env("CREDLY_TOKEN", default="credly-stand-in-token" if DEBUG else "")
CREDLY_TIMEOUT_SECONDS = env.float("CREDLY_TIMEOUT_SECONDS", default=10.0)
# Retryable failures (no answer, 5xx, 429): exponential backoff from this many seconds (with jitter, at
# least Credly's Retry-After), then the badge waits in error for staff.
CREDLY_RETRY_BACKOFF_SECONDS = env.float("CREDLY_RETRY_BACKOFF_SECONDS", default=30.0)
CREDLY_MAX_RETRIES = env.int("CREDLY_MAX_RETRIES", default=8)

# The portal's Ed25519 signing key for its Open Badges 3.0 credentials and status lists: a PEM (PKCS#8) in
# CREDENTIAL_SIGNING_KEY in production; in development a file that `make run` generates into var/.
CREDENTIAL_SIGNING_KEY = env("CREDENTIAL_SIGNING_KEY", default="")
CREDENTIAL_SIGNING_KEY_FILE = env(
    "CREDENTIAL_SIGNING_KEY_FILE",
    default=str(BASE_DIR / "var" / "credential-signing-key.pem") if DEBUG else "",
)

# Celery: Redis as broker when REDIS_URL is set; otherwise tasks run in-process (embedded default).
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
# Later apps waiting on a paid fee: invoice kind -> the task queued with the invoice number once it is paid.
BILLING_PAID_TASKS = {
    "recert_ccp": "recert.tasks.application_paid",
    "recert_exam": "recert.tasks.application_paid",
}
# Later apps reacting to a certification's status change (a badge to revoke, a status list to re-sign): each
# task is queued with the certification id once the change commits (members imports no later app).
MEMBERS_STATUS_CHANGED_TASKS = ["recert.tasks.certification_status_changed"]
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
# A task whose worker dies (killed, out of memory) is given back to the queue, not failed; with Redis a
# message taken but never acknowledged goes back after the visibility timeout, which must be longer than
# any task (a chunk of the nightly run takes seconds to a few minutes).
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
if env("CELERY_RESTORE_SWEEP_SECONDS", default=""):  # how often a worker looks for such messages (tests)
    CELERY_BROKER_TRANSPORT_OPTIONS |= {
        "unacked_restore_interval": env.int("CELERY_RESTORE_SWEEP_SECONDS"),
        "unacked_restore_throttle": 1,
    }
# The queue tasks go to when nothing routes them (one queue per deployment or test run sharing a Redis).
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    # A load balancer probes each web process directly over plain HTTP: a redirect would read as "down".
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Content-Security-Policy (django-csp): everything from the portal itself, nothing inline (scripts and styles
# live in static/). data: images are Bootstrap's icons. The pay page adds Stripe.js when real keys are set
# (billing.views.pay).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"client_error_without_traceback": {"()": "core.logs.ClientErrorWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Configured without handlers: this drops the console handler Django's defaults put on "django",
        # which printed each record a second time before it reached the root's console.
        "django": {"level": env("LOG_LEVEL", default="INFO")},
        # A 403 or 400 is one line (the view's refusal, not a fault): no traceback.
        "django.request": {"filters": ["client_error_without_traceback"]},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "stripe": {"level": "WARNING"},  # one INFO line per API request otherwise
    },
}
