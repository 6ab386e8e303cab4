"""Django settings, all read from the environment.

Every knob is one environment variable read through a tiny validating helper, so a typo in a
deployment fails at start-up with a clear message instead of running with a surprising value.
With nothing set, the project runs on one machine: SQLite under var/ and a broker that keeps its
messages in files under var/broker/, so ``make run`` needs no server.
"""

import ipaddress
import os
import re
import urllib.parse
import warnings
from pathlib import Path

import dj_database_url
import dj_email_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from checker.netguard import DEFAULT_PORTS, PortRanges, parse_ports

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def envbool(name: str, default: bool) -> bool:
    raw = os.getenv(name)
    if raw is None:
        return default
    if raw.strip().lower() in TRUE_WORDS:
        return True
    if raw.strip().lower() in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}"
    )


def envint(name: str, default: int, minimum: int = 0) -> int:
    raw = os.getenv(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {value}")
    return value


def envlist(name: str, default: str = "") -> tuple[str, ...]:
    """A comma-separated list; blanks around items and empty items are dropped."""
    raw = os.getenv(name, default)
    return tuple(item.strip() for item in raw.split(",") if item.strip())


RATE = re.compile(r"[1-9][0-9]*/([1-9][0-9]*)?[smhd]")


def envrate(name: str, default: str) -> str:
    """A rate such as 10/m (ten a minute) or 5/10m (five per ten minutes)."""
    raw = (os.getenv(name) or default).strip()
    if not RATE.fullmatch(raw):
        raise ImproperlyConfigured(
            f"{name} must be a count per period such as 10/m, 30/h or 5/10m; got {raw!r}"
        )
    return raw


def envnetworks(name: str) -> tuple[str, ...]:
    """A comma-separated list of CIDR blocks, each checked here so a typo cannot widen access."""
    networks = envlist(name)
    for network in networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} holds {network!r}, which is not an address block like 127.0.0.0/8"
            ) from None
    return networks


def envports(name: str) -> PortRanges:
    """Ports and ranges such as 80,443,1024-65535; unset or blank keeps the checker's default."""
    raw = os.getenv(name)
    if raw is None or not raw.strip():
        return DEFAULT_PORTS
    try:
        return parse_ports(raw)
    except ValueError as error:
        raise ImproperlyConfigured(
            f"{name} must be ports and ranges such as 80,443,8000-8999: {error}"
        ) from None


def envemail(name: str, timeout: int) -> dict:
    """Mail settings from one URL, parsed by dj-email-url; an unknown scheme stops the start.

    ``smtps://`` means TLS from the first byte (port 465), as RFC 8314 uses the word; the library
    would read it as STARTTLS. ``?ssl=1`` and ``?tls=1`` still choose explicitly.
    """
    raw = os.getenv(name, "").strip()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the library's notice about its own smtps reading
        try:
            parsed = dj_email_url.parse(raw)
        except ValueError as error:
            raise ImproperlyConfigured(f"{name} is not a usable mail URL: {error}") from None
    scheme = urllib.parse.urlsplit(raw).scheme
    if "EMAIL_BACKEND" not in parsed:
        schemes = ", ".join(sorted(dj_email_url.SCHEMES))
        raise ImproperlyConfigured(
            f"{name} must start with one of {schemes} (e.g. smtp://user:password@host:587);"
            f" got {scheme or raw!r}"
        )
    if scheme in ("smtp", "smtps", "submission", "submit") and not parsed["EMAIL_HOST"]:
        raise ImproperlyConfigured(f"{name} names no mail server host: {raw!r}")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(raw).query)
    if scheme == "smtps" and "ssl" not in query and "tls" not in query:
        parsed.update(EMAIL_USE_SSL=True, EMAIL_USE_TLS=False)
        parsed["EMAIL_PORT"] = parsed["EMAIL_PORT"] or 465
    if parsed["EMAIL_TIMEOUT"] is None:
        parsed["EMAIL_TIMEOUT"] = timeout
    return parsed


# --- Core -------------------------------------------------------------------------------------

DEBUG = envbool("DEBUG", False)
# A fixed key is only good for a developer's own machine; deployments must set SECRET_KEY.
SECRET_KEY = os.getenv("SECRET_KEY") or "insecure-development-key-set-SECRET_KEY-in-production"
# Former keys, comma-separated, still accepted for what they signed or sealed (links in mails
# already sent, authenticated scans still queued) while SECRET_KEY is being changed.
SECRET_KEY_FALLBACKS = list(envlist("SECRET_KEY_FALLBACKS"))
ALLOWED_HOSTS = list(envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]"))
# The public address of the site, used in emails and in links that leave the page.
SITE_URL = os.getenv("SITE_URL", "http://localhost:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = [SITE_URL]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_ratelimit",
    # django-ninja, for the JSON API; as an app it serves Swagger UI from its own static files.
    "ninja",
    "template_partials",
    "webui",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages and JSON compressed for clients that ask (static files come precompressed from
    # WhiteNoise above). Django adds random bytes to each gzip header against BREACH, and our
    # CSRF tokens are masked per response.
    "django.middleware.gzip.GZipMiddleware",
    # Ended reports from the cache, with the headers the middleware below gave them when stored.
    "webui.report_pages.ReportPageMiddleware",
    # The API's CORS (any origin, no credentials) and JSON headers; outside the CSP middleware so
    # its policy for JSON replaces the pages' one, and early so a preflight touches nothing else.
    "webui.api.middleware.PublicApiMiddleware",
    "csp.middleware.CSPMiddleware",
    "webui.middleware.PermissionsPolicyMiddleware",
    "webui.middleware.FixedHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Innermost, so every 404 it turns into our page still gets the headers and nonce above.
    "webui.middleware.NotFoundPageMiddleware",
    # Last, so its process_exception sees what views raise before any other handler does.
    "webui.middleware.QueueOutageMiddleware",
]

ROOT_URLCONF = "webui.urls"
WSGI_APPLICATION = "webui.wsgi.application"

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
                "webui.context_processors.csp_nonce",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------

DATABASE_URL = os.getenv("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(exist_ok=True)
    # The web process and the worker write to the same file: wait for the lock instead of
    # failing at once, and take the write lock at the start of each transaction.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Internationalisation, static files -------------------------------------------------------

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"  # filled by collectstatic in the Docker image
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on every start when it is missing
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Compressed but not hashed: it works without collectstatic (tests, make run); WhiteNoise
    # then serves files with a short cache lifetime.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- The site's own security headers (it must earn an A+ from its own checker) -----------------

SECURE_HSTS_SECONDS = 0 if DEBUG else 31_536_000
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", False)
# Where that redirect points when HTTPS is not on the same host and default port as HTTP (a
# non-standard port, e.g. "example.com:8443"); unset, it keeps the request's own host.
SECURE_SSL_HOST = os.getenv("SECURE_SSL_HOST") or None
if envbool("TRUST_X_FORWARDED_PROTO", False):
    # Only behind a proxy that always sets this header itself.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_HTTPONLY = True  # nothing in our pages reads it from JavaScript

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        # htmx is our own static file, loaded with the request's nonce; it inserts no inline
        # script or style (its indicator styles are switched off in base.html).
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# Every powerful feature the site does not use, switched off for it and anything it embeds.
PERMISSIONS_POLICY = {
    "accelerometer": (),
    "camera": (),
    "display-capture": (),
    "geolocation": (),
    "gyroscope": (),
    "magnetometer": (),
    "microphone": (),
    "payment": (),
    "usb": (),
}

# Cross-origin isolation: every resource our pages load is our own, so requiring other origins'
# resources to opt in costs nothing, and no other site may pull our pages in as no-cors loads.
FIXED_RESPONSE_HEADERS = {
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Resource-Policy": "same-origin",
}

# --- Email ------------------------------------------------------------------------------------

# EMAIL_URL (smtp://user:password@host:587, submission://…, smtps://…, console:) says it all in
# one variable; without it, the usual EMAIL_HOST variables; with neither, mail is printed to the
# console, so `make run` shows every mail it would send.
EMAIL_URL = os.getenv("EMAIL_URL", "").strip()
EMAIL_HOST = os.getenv("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = os.getenv("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.getenv("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", False)
# Seconds; Django waits for ever by default, and a mail server that stops answering would hold
# the worker's task until its time limit.
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = os.getenv("DEFAULT_FROM_EMAIL", "CORS Check <noreply@localhost>")
if EMAIL_URL:
    _mail = envemail("EMAIL_URL", EMAIL_TIMEOUT)
    EMAIL_DELIVERY_BACKEND = _mail["EMAIL_BACKEND"]
    EMAIL_HOST = _mail["EMAIL_HOST"] or EMAIL_HOST
    EMAIL_PORT = _mail["EMAIL_PORT"] or EMAIL_PORT
    EMAIL_HOST_USER = _mail["EMAIL_HOST_USER"] or ""
    EMAIL_HOST_PASSWORD = _mail["EMAIL_HOST_PASSWORD"] or ""
    EMAIL_USE_TLS = _mail["EMAIL_USE_TLS"]
    EMAIL_USE_SSL = _mail["EMAIL_USE_SSL"]
    EMAIL_TIMEOUT = _mail["EMAIL_TIMEOUT"]
    EMAIL_FILE_PATH = _mail["EMAIL_FILE_PATH"]
    DEFAULT_FROM_EMAIL = _mail.get("DEFAULT_FROM_EMAIL", DEFAULT_FROM_EMAIL)
elif os.getenv("EMAIL_HOST"):
    EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.console.EmailBackend"
# Every mail a web request sends is handed to the worker (webui.mail.QueuedBackend), which
# delivers it with EMAIL_DELIVERY_BACKEND: no web request waits on the mail server.
EMAIL_BACKEND = "webui.mail.QueuedBackend"

# --- Watching: subscriptions to re-checks by email --------------------------------------------

# How long a confirmation link works, and a "manage my subscriptions" link, seconds.
SUBSCRIPTION_CONFIRM_MAX_AGE = envint("SUBSCRIPTION_CONFIRM_MAX_AGE", 3 * 24 * 3600, minimum=60)
SUBSCRIPTION_MANAGE_MAX_AGE = envint("SUBSCRIPTION_MANAGE_MAX_AGE", 24 * 3600, minimum=60)
# How often beat looks for subscriptions whose re-check is due, seconds. A re-check starts at
# most this long after its time; the claim on each row makes two beats running at once harmless.
WATCH_DUE_CHECK_INTERVAL = envint("WATCH_DUE_CHECK_INTERVAL", 300, minimum=1)
# Abuse limits on the subscribe form, per day (django-ratelimit counters in the cache, windows of
# 24 hours): mails it may send one address (confirmations, or "already subscribed"), and
# requests one client (IPv4 address, IPv6 /64) may make. Over either: 429, nothing is sent.
SUBSCRIBE_PENDING_PER_ADDRESS = envint("SUBSCRIBE_PENDING_PER_ADDRESS", 3, minimum=1)
SUBSCRIBE_PENDING_PER_CLIENT = envint("SUBSCRIBE_PENDING_PER_CLIENT", 10, minimum=1)
# Targets one address may watch, confirmed or waiting for confirmation. A request for one more
# creates nothing; the address is sent a mail saying why (the page must not tell a stranger).
SUBSCRIBE_MAX_TARGETS = envint("SUBSCRIBE_MAX_TARGETS", 20, minimum=1)
# "Manage my subscriptions" links, per day: how many one address may be sent, and how many
# requests one client may make.
MANAGE_LINKS_PER_ADDRESS = envint("MANAGE_LINKS_PER_ADDRESS", 3, minimum=1)
MANAGE_LINKS_PER_CLIENT = envint("MANAGE_LINKS_PER_CLIENT", 10, minimum=1)
# How often beat removes subscriptions never confirmed within SUBSCRIPTION_CONFIRM_MAX_AGE, seconds.
SUBSCRIPTION_PURGE_INTERVAL = envint("SUBSCRIPTION_PURGE_INTERVAL", 3600, minimum=60)

# --- The checker ------------------------------------------------------------------------------

# Address blocks the checker may reach although they are not public. Empty by default: nothing
# private. Tests and developers who want to check a local server set e.g. 127.0.0.0/8,::1/128.
CHECKER_ALLOW_NETWORKS = envnetworks("CHECKER_ALLOW_NETWORKS")
# The ports the checker may connect to, first URL and redirects alike; by default only 80, 443,
# 8000, 8080 and 8443. Tests checking local servers on random ports set e.g. 1-65535.
CHECKER_ALLOWED_PORTS = envports("CHECKER_ALLOWED_PORTS")
# A CA file the checker trusts instead of the system store (tests with their own CA).
CHECKER_CA_BUNDLE = os.getenv("CHECKER_CA_BUNDLE") or None
# The engine's own deadline for one scan, seconds; keep it below SCAN_SOFT_TIME_LIMIT.
CHECKER_DEADLINE = envint("CHECKER_DEADLINE", 45, minimum=1)
# Each request's own deadline, seconds, within the scan's: a probe that drips costs only itself.
CHECKER_PROBE_DEADLINE = envint("CHECKER_PROBE_DEADLINE", 10, minimum=1)
# Whole-API scans: at most this many endpoints of a list or an OpenAPI document are probed (each
# costs about fifty requests); the report says when the list was cut.
CHECKER_MAX_ENDPOINTS = envint("CHECKER_MAX_ENDPOINTS", 20)
# How many addresses of a name with several are probed, the first included: each other one gets
# the final page and its CORS probes again, so a stale server behind a load balancer is seen.
CHECKER_MAX_ADDRESSES = envint("CHECKER_MAX_ADDRESSES", 4, minimum=1)

# --- Scans and the queue ----------------------------------------------------------------------

SCAN_SOFT_TIME_LIMIT = envint("SCAN_SOFT_TIME_LIMIT", 60, minimum=1)
SCAN_TIME_LIMIT = envint("SCAN_TIME_LIMIT", SCAN_SOFT_TIME_LIMIT + 15, minimum=1)
if SCAN_TIME_LIMIT <= SCAN_SOFT_TIME_LIMIT:
    raise ImproperlyConfigured("SCAN_TIME_LIMIT must be larger than SCAN_SOFT_TIME_LIMIT")
# How many times a scan may be started before it is given up (a task that kills its worker
# comes back; this stops it from coming back for ever).
SCAN_MAX_ATTEMPTS = envint("SCAN_MAX_ATTEMPTS", 3, minimum=1)
# A scan still pending or running this many seconds after it was queued or started is ended as
# failed by the reaper.
SCAN_STALE_AFTER = envint("SCAN_STALE_AFTER", 600, minimum=SCAN_TIME_LIMIT + 1)
# A running scan's worker writes a heartbeat this often. Three missed beats mean the worker is
# gone: another delivery, or the reaper, takes the scan over.
SCAN_HEARTBEAT_SECONDS = envint("SCAN_HEARTBEAT_SECONDS", 5, minimum=1)
# A queued scan's page says plainly that no worker has picked it up once it waited this long.
SCAN_UNCLAIMED_WARNING = envint("SCAN_UNCLAIMED_WARNING", 15, minimum=1)
# A pending scan that no web process handed to the queue within this many seconds (it died
# between saving the row and publishing the task) is handed over by the dispatcher. Keep it
# above the time a web request may spend publishing (about 5 s with the policy below).
SCAN_DISPATCH_AFTER = envint("SCAN_DISPATCH_AFTER", 15, minimum=1)
# How often beat runs the dispatcher and the reaper, seconds.
SCAN_DISPATCH_INTERVAL = envint("SCAN_DISPATCH_INTERVAL", 30, minimum=1)
SCAN_REAP_INTERVAL = envint("SCAN_REAP_INTERVAL", 20, minimum=1)

# --- Live simulations ("Will my request work?") -------------------------------------------------

# The engine's deadline around one whole simulation (every preflight and request), seconds;
# keep it below SIMULATE_SOFT_TIME_LIMIT, the task's own limit, so the site's slowness ends as
# an answer ("did not answer in time") rather than as a failed task.
SIMULATE_DEADLINE = envint("SIMULATE_DEADLINE", 15, minimum=1)
SIMULATE_SOFT_TIME_LIMIT = envint("SIMULATE_SOFT_TIME_LIMIT", SIMULATE_DEADLINE + 10, minimum=1)
SIMULATE_TIME_LIMIT = envint("SIMULATE_TIME_LIMIT", SIMULATE_SOFT_TIME_LIMIT + 10, minimum=1)
if SIMULATE_TIME_LIMIT <= SIMULATE_SOFT_TIME_LIMIT:
    raise ImproperlyConfigured("SIMULATE_TIME_LIMIT must be larger than SIMULATE_SOFT_TIME_LIMIT")
SIMULATE_MAX_ATTEMPTS = envint("SIMULATE_MAX_ATTEMPTS", 2, minimum=1)
# A simulation still pending or running this long after it was asked for or started is ended
# as failed by the reaper.
SIMULATE_STALE_AFTER = envint("SIMULATE_STALE_AFTER", 120, minimum=SIMULATE_TIME_LIMIT + 1)
# Simulations one address (IPv6: one /64) may ask for, and how many one scanned host may
# receive through us from everybody together; both in the notation of SCAN_RATE_LIMIT.
SIMULATE_RATE_LIMIT = envrate("SIMULATE_RATE_LIMIT", "20/m")
SIMULATE_TARGET_RATE = envrate("SIMULATE_TARGET_RATE", "60/h")
# At most this many simulations of one host waiting or running at a time.
SIMULATE_MAX_ACTIVE_PER_TARGET = envint("SIMULATE_MAX_ACTIVE_PER_TARGET", 3, minimum=1)

REDIS_URL = os.getenv("REDIS_URL", "")

# --- Limits on starting scans -----------------------------------------------------------------

# How many scans one address may start, in django-ratelimit's notation: "10/m" is ten a minute,
# "30/h" thirty an hour, "5/10m" five per ten minutes. IPv6 addresses are counted per /64 (the
# block one household or server usually gets), IPv4 addresses one by one.
SCAN_RATE_LIMIT = envrate("SCAN_RATE_LIMIT", "10/m")
RATELIMIT_IPV6_MASK = 64
# A scan of the same URL and frontend origin that is under way, or ended with a grade, less than
# this many seconds ago is shown again instead of a new one: the checked site is not probed twice
# because a form was submitted twice. 0 always starts a new scan.
SCAN_REUSE_SECONDS = envint("SCAN_REUSE_SECONDS", 60)
# "Check again" on a report starts a new scan of its target only this many seconds after the
# newest scan of that target ended (or began, while none has ended); until then the button is
# disabled and says how long is left, and a forged POST is shown that newest scan. 0: no wait.
RESCAN_COOLDOWN = envint("RESCAN_COOLDOWN", 60)
# How long the page of an ended report stays in the cache once rendered (webui/report_pages.py).
REPORT_PAGE_TIMEOUT = envint("REPORT_PAGE_TIMEOUT", 24 * 3600)
# Scans one client (IPv4 address, IPv6 /64) may have pending or running at once, and scans one
# target host may have at once (from all clients together); over either, the form answers 429.
SCAN_MAX_ACTIVE_PER_CLIENT = envint("SCAN_MAX_ACTIVE_PER_CLIENT", 3, minimum=1)
SCAN_MAX_ACTIVE_PER_HOST = envint("SCAN_MAX_ACTIVE_PER_HOST", 3, minimum=1)
# Reverse proxies in front of the site (CIDRs). X-Forwarded-For is believed only from a request
# that came from one of them, and only up to the first address that is not one of them; empty,
# the client is always REMOTE_ADDR. See webui/clients.py.
TRUSTED_PROXIES = envnetworks("TRUSTED_PROXIES")
RATELIMIT_IP_META_KEY = "webui.clients.client_ip"

if REDIS_URL:
    # Counters every web process shares: a limit per process would multiply by their number.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # A Redis that is gone fails the request in seconds (a 503 page), never hangs it.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    # django-ratelimit only lists django-redis as supported; Django's own Redis backend counts
    # with Redis's atomic INCR as well, so its "not officially supported" warning does not apply.
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
else:
    # One machine, `make run`: memory of this process. The rate limit then holds per web process
    # (gunicorn with 3 workers lets through up to 3 times the limit) and resets on restart — good
    # enough for a developer's machine, which is why django-ratelimit's refusal of a cache that is
    # not shared (E003) is silenced here and only here. Deployments set REDIS_URL.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]

if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # An unacknowledged task is handed out again after this long; it must outlive the hard
        # time limit, or a slow scan would be started twice.
        "visibility_timeout": SCAN_TIME_LIMIT + 60,
        # A Redis that is gone, or that stops answering on an open connection, must fail a
        # publish within seconds instead of holding the web request that publishes.
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
    }
else:
    BROKER_DIR = VAR_DIR / "broker"
    for folder in ("queue", "processed", "control"):
        (BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "data_folder_processed": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# A web request publishes while the visitor waits: two quick retries, then the scan is ended
# with a reason and the page says to try again (webui/queueing.py).
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
# Separate queue names let several copies (parallel test runs) share one Redis.
CELERY_TASK_DEFAULT_QUEUE = os.getenv("CELERY_QUEUE", "celery")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# The database row is the source of truth for a scan; Celery keeps no results.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SOFT_TIME_LIMIT = SCAN_SOFT_TIME_LIMIT
CELERY_TASK_TIME_LIMIT = SCAN_TIME_LIMIT
CELERY_TIMEZONE = "UTC"
# Beat keeps its schedule in memory, so it needs no file and starts from any checkout with any
# database. Nothing is lost by that: every entry is a short interval, and what is due lives in
# the database rows, claimed with conditional updates (two beats running at once are harmless).
CELERY_BEAT_SCHEDULER = "celery.beat:Scheduler"
CELERY_BEAT_SCHEDULE = {
    "dispatch-pending-scans": {
        "task": "webui.tasks.dispatch_pending",
        "schedule": float(SCAN_DISPATCH_INTERVAL),
    },
    "reap-stale-scans": {
        "task": "webui.tasks.reap_stale_scans",
        "schedule": float(SCAN_REAP_INTERVAL),
    },
    "reap-stale-simulations": {"task": "webui.tasks.reap_stale_simulations", "schedule": 60.0},
    "check-due-subscriptions": {
        "task": "webui.tasks.check_due_subscriptions",
        "schedule": float(WATCH_DUE_CHECK_INTERVAL),
    },
    "purge-unconfirmed-subscriptions": {
        "task": "webui.tasks.purge_unconfirmed_subscriptions",
        "schedule": float(SUBSCRIPTION_PURGE_INTERVAL),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    # httpx logs every request at INFO: one line per probe would drown the worker's log.
    "loggers": {"httpx": {"level": "WARNING"}},
}
