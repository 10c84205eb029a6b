"""A minimal django-allauth deployment for bench/versus_allauth.py: sign-up with a mandatory confirmation link sent
over SMTP, then sign-in and a profile page. Same Argon2id parameters as moncompte (m=19 MiB, t=2, p=1), same
database server, sessions in Redis when moncompte's are. Never part of moncompte: installed only for the benchmark.
"""

import os
from urllib.parse import urlsplit

from django.contrib.auth.hashers import Argon2PasswordHasher

SECRET_KEY = os.environ["SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.allauth_site.urls"
WSGI_APPLICATION = "bench.allauth_site.wsgi.application"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "allauth",
    "allauth.account",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]

database = urlsplit(os.environ["DATABASE_URL"])
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": database.path.lstrip("/"),
        "USER": database.username or "postgres",
        "HOST": database.hostname or "127.0.0.1",
        "PORT": database.port or 5432,
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["REDIS_URL"]}
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"


class ServiceArgon2(Argon2PasswordHasher):
    """moncompte's parameters (R-PW8), so both services pay the same for each hash and verification."""

    time_cost = 2
    memory_cost = 19 * 1024
    parallelism = 1


PASSWORD_HASHERS = ["bench.allauth_site.settings.ServiceArgon2"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = "127.0.0.1"
EMAIL_PORT = int(os.environ["SMTP_PORT"])
DEFAULT_FROM_EMAIL = "ne-pas-repondre@example.fr"

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_UNIQUE_EMAIL = True
# Every simulated person comes from 127.0.0.1: the limits are raised as for moncompte's benchmark, not removed.
ACCOUNT_RATE_LIMITS = {
    "signup": "1000000/m/ip",
    "login": "1000000/m/ip",
    "login_failed": "1000000/m/ip",
    "confirm_email": "1000000/m/key",
}
LOGIN_REDIRECT_URL = "/profile/"
LANGUAGE_CODE = "fr-fr"
USE_TZ = True
LOGGING = {
    "version": 1,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["console"], "level": "ERROR"}},
}
