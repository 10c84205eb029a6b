"""Django settings. Configuration comes from the environment only (see env.py and the README)."""

import logging
from pathlib import Path
from typing import Any

import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

from moncompte.config import env
from moncompte.core.redis_cache import redis_cache_settings

# Lets admin classes and querysets take type parameters at run time (ModelAdmin[Model]).
django_stubs_ext.monkeypatch()

PACKAGE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = env.var_dir()

DEMO = env.flag("MONCOMPTE_DEMO")
DEBUG = env.flag("DEBUG")

SECRET_KEY = env.text("SECRET_KEY")
if not SECRET_KEY:
    if not (DEBUG or DEMO):
        raise ImproperlyConfigured(
            "SECRET_KEY est obligatoire hors démo : exportez SECRET_KEY (50 caractères aléatoires ou plus). "
            "Pour une commande sur la base de la démonstration : lancez-la depuis le dossier où ./scripts/demo a "
            f"tourné, ou donnez son dossier var dans MONCOMPTE_VAR_DIR (cherché ici : {VAR_DIR}, qui doit contenir "
            f"{env.DEMO_DATABASE_FILE} et {env.DEMO_KEY_FILE}), sans DATABASE_URL."
        )
    SECRET_KEY = env.local_secret_key(VAR_DIR)

# R-LIM1: the reverse proxies whose X-Forwarded-For is believed (CIDR list, e.g. "10.0.0.0/8,::1").
TRUSTED_PROXIES = env.networks("MONCOMPTE_TRUSTED_PROXIES")

ALLOWED_HOSTS = [h.strip() for h in env.text("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h]

INSTALLED_APPS = [
    "moncompte.web.admin_config.SupportAdminConfig",  # django.contrib.admin, signing in throttled and audited
    # Before django.contrib.auth: its createsuperuser (which checks passwords in --noinput mode too) wins.
    "moncompte.web",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",  # R-SUP1: staff second factor
    "django_otp.plugins.otp_totp",
    "ninja",  # the app's API documentation, served from here (no CDN)
    "moncompte.core",
    "moncompte.defence",  # R-BOT1: attack mode and the velocity signals
    "moncompte.audit",
    "moncompte.registry",
    "moncompte.captcha",
    "moncompte.outbox",
    "moncompte.accounts",
    "moncompte.enrollment",
    "moncompte.appsessions",
    "moncompte.messaging",  # « Ma messagerie » (R-MSG*)
    "moncompte.support",  # last: its roles are set after every app's permissions exist
]

MIDDLEWARE = [
    "moncompte.web.health.health_checks",  # /sante/ and /sante/pret/: before sessions, HTTPS redirects, logs
    "moncompte.web.request_metrics.request_metrics",  # R-DLV4: requests, durations, in flight, by route
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "moncompte.web.middleware.request_id",
    "moncompte.web.middleware.friendly_405",
    "moncompte.web.middleware.security_headers",
    "moncompte.api.fallback.api_problems",  # R-API3: under /api/, every error a problem document, never a page
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): signed in with the second factor
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "moncompte.config.urls"

# Staff passwords (`moncompte createsuperuser`, the back office): Django's checks, at least 12 characters.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
WSGI_APPLICATION = "moncompte.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # First: the support desk's frame replaces Django's admin/base_site.html (web/templates/admin/).
        "DIRS": [PACKAGE_DIR / "web" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "moncompte.web.context.site",
            ],
            # Django's {% url %}, each address worked out once per process (web/templatetags/addresses.py).
            "builtins": ["moncompte.web.templatetags.addresses"],
        },
    },
]

# Plain inputs written in Python rather than through three templates each (same HTML; moncompte/web/form_renderer.py).
FORM_RENDERER = "moncompte.web.form_renderer.QuickInputRenderer"

DATABASES: dict[str, Any] = {"default": env.database(f"sqlite:///{VAR_DIR / env.DEMO_DATABASE_FILE}")}
# After a database restart, a process finds its connection dead at the next request, not by failing it.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # The demo serves pages and delivers mail from several threads: wait for the lock, never fail.
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests use a file too: the end-to-end tests serve pages and deliver mail from other threads.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's, whose health check sends SELECT 1 only when the server may have ended the connection (issue 22).
    DATABASES["default"]["ENGINE"] = "moncompte.core.postgresql"

# R-SUP1: the name staff see in their authenticator app next to the support account.
OTP_TOTP_ISSUER = f"Support {env.text('MONCOMPTE_SERVICE_NAME', 'compte ameli')}"

REDIS_URL = env.text("REDIS_URL")
if REDIS_URL:
    # Sessions live in Redis only: no database write per request (a Redis restart signs people out).
    SESSION_ENGINE = "moncompte.core.redis_sessions"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "fr-fr"
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# Static files are served from the installed package, no collectstatic step is needed (a reverse proxy that
# serves them itself needs `moncompte collectstatic`, deploy/README.md). Their URLs carry a hash of the file.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "moncompte.web.static_storage.VersionedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# R-SEC2: cookies and headers.
SECURE_COOKIES = not (DEBUG or DEMO) and not env.flag("MONCOMPTE_INSECURE_COOKIES")
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# "same-origin", not "no-referrer": with no referrer at all, browsers send "Origin: null" on form posts and
# the CSRF check (rightly) refuses them. Pages whose URL holds a token set no-referrer themselves.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
# HSTS outside development: browsers then refuse plain HTTP for a year (MONCOMPTE_HSTS_SECONDS=0 turns it off,
# for a first deployment whose TLS set-up is not settled yet).
SECURE_HSTS_SECONDS = int(env.text("MONCOMPTE_HSTS_SECONDS", "0" if DEBUG or DEMO else "31536000"))
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "moncompte.web.views.errors.csrf_failure"

EMAIL_URL = env.text("EMAIL_URL")

# Read by commands, here like every other value from the environment (README, Configuration): the passwords of
# `createsuperuser --noinput` and `create_supervisor --noinput` (checked by them), the proxies whose
# X-Forwarded-Proto `serve` believes, and where each process writes its Prometheus counters (set by
# moncompte/config/launcher.py for serve, worker and bounces).
SUPERUSER_PASSWORD = env.optional_text("DJANGO_SUPERUSER_PASSWORD")
SUPERVISOR_PASSWORD = env.text("MONCOMPTE_SUPERVISOR_PASSWORD")
FORWARDED_ALLOW_IPS = env.text("FORWARDED_ALLOW_IPS")
PROMETHEUS_MULTIPROC_DIR = env.text("PROMETHEUS_MULTIPROC_DIR")

# R-SEC4: every limit and duration of docs/rules.md is a field of one typed, frozen object (moncompte/core/conf.py,
# its fields by concern in moncompte/core/settings/), each settable as MONCOMPTE_<NAME>, read and checked here.
MONCOMPTE = env.service_settings(demo=DEMO)
if REDIS_URL:
    CACHES = redis_cache_settings(REDIS_URL, timeout=MONCOMPTE.redis_timeout)

# README (Configuration): a fixed CAPTCHA answer for automated and load tests, never in production.
CAPTCHA_TEST_ANSWER = env.text("MONCOMPTE_CAPTCHA_TEST_ANSWER")
if CAPTCHA_TEST_ANSWER and not (DEBUG or DEMO):
    raise ImproperlyConfigured(
        "MONCOMPTE_CAPTCHA_TEST_ANSWER est refusé hors DEBUG ou démo : il désactiverait le CAPTCHA."
    )

# README (Démarrer): the demo's clock runs this many days ahead (moncompte.core.clock), to see the link's 7-day and
# 21-day rules without waiting; refused elsewhere: every date the service writes would be wrong.
DEMO_CLOCK_SHIFT_DAYS = env.whole_number("MONCOMPTE_DEMO_CLOCK_SHIFT_DAYS", at_most=3650)
if DEMO_CLOCK_SHIFT_DAYS and not (DEBUG or DEMO):
    raise ImproperlyConfigured(
        "MONCOMPTE_DEMO_CLOCK_SHIFT_DAYS est refusé hors DEBUG ou démo : chaque date écrite par le service serait "
        "fausse."
    )

# MONCOMPTE_LOG_FORMAT=json: one JSON object per line, for log collectors, from Django, the mail worker and
# gunicorn itself (`moncompte serve` gives gunicorn web/gunicorn_conf.JsonLogger).
LOG_FORMAT = "json" if env.text("MONCOMPTE_LOG_FORMAT") == "json" else "plain"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "moncompte.core.request_context.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "filters": {
        "request_id": {"()": "moncompte.core.request_context.RequestIdFilter"},
        "health_probes": {"()": "moncompte.core.request_context.HealthProbeFilter"},
        "outage_lines": {"()": "moncompte.core.outage.OutageLineFilter"},
    },
    "loggers": {
        "moncompte": {"handlers": ["console"], "level": env.text("MONCOMPTE_LOG_LEVEL", "INFO")},
        # Every server error, with the request id the error page and the X-Request-Id header show; an outage's 503
        # in one warning line.
        "django.request": {
            "handlers": ["console"],
            "level": "ERROR",
            "propagate": False,
            "filters": ["health_probes", "outage_lines"],
        },
    },
}

if DEMO_CLOCK_SHIFT_DAYS:
    logging.getLogger("moncompte.security").warning(
        "!!! MONCOMPTE_DEMO_CLOCK_SHIFT_DAYS est actif : l'horloge du service a %d jour(s) d'avance. !!!",
        DEMO_CLOCK_SHIFT_DAYS,
    )
if CAPTCHA_TEST_ANSWER:
    logging.getLogger("moncompte.security").warning(
        "!!! MONCOMPTE_CAPTCHA_TEST_ANSWER est actif : le CAPTCHA accepte une réponse fixe. "
        "Réservé aux tests automatisés et de charge. !!!"
    )
