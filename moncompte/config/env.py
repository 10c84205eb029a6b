"""Every value read from the environment, in one place (README, Configuration)."""

import os
import secrets
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from moncompte.core.conf import Settings

TRUE_WORDS = {"1", "true", "yes", "on", "oui"}
# What the demo leaves in the var directory: its SQLite database (the default DATABASE_URL) and its key.
DEMO_DATABASE_FILE = "moncompte.sqlite3"
DEMO_KEY_FILE = "secret_key"


def flag(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in TRUE_WORDS


def text(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def whole_number(name: str, *, at_most: int) -> int:
    """A count of 0 to `at_most` (0 when unset); anything else stops the start with the variable's name."""
    raw = text(name) or "0"
    if not (raw.isascii() and raw.isdigit()) or int(raw) > at_most:
        raise ImproperlyConfigured(f"{name} doit être un nombre entier de 0 à {at_most} (reçu : {raw!r}).")
    return int(raw)


def optional_text(name: str) -> str | None:
    """The variable as given (not stripped: a password), or None when it is not set at all."""
    return os.environ.get(name)


# The databases the project is tested on (README, Tests): PostgreSQL in production, SQLite for the demo.
DATABASE_SCHEMES = {"postgres", "postgresql", "pgsql", "sqlite"}
DATABASE_URL_SHAPE = "postgres://utilisateur:motdepasse@hôte:5432/base"


def database(default: str) -> dict[str, Any]:
    """DATABASE_URL (or `default`, the demo's SQLite file) as Django's DATABASES entry. Its shape is checked
    here, at start, in one sentence that never repeats the URL (it holds the password): whether the database
    answers is `moncompte check --database default`'s question (web/checks.py)."""
    url = text("DATABASE_URL") or default
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    if scheme not in DATABASE_SCHEMES:
        raise ImproperlyConfigured(
            f"DATABASE_URL doit commencer par postgres:// ou sqlite:// (forme attendue : {DATABASE_URL_SHAPE})."
        )
    try:
        urlsplit(url).port  # noqa: B018 (raises ValueError on a port that is not a number)
        parsed: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60))
    except ValueError as error:  # dj_database_url.ParseError is one
        raise ImproperlyConfigured(
            f"DATABASE_URL n'est pas une adresse lisible : forme attendue {DATABASE_URL_SHAPE}, le port en chiffres, "
            "tout caractère du mot de passe autre que lettres, chiffres, - et _ encodé (%40 pour @)."
        ) from error
    if parsed["NAME"] in ("", ":memory:"):
        raise ImproperlyConfigured(
            f"DATABASE_URL ne nomme pas de base de données : ajoutez-la après l'hôte ({DATABASE_URL_SHAPE})."
        )
    return parsed


# The demo is one person on one machine creating account after account: attack mode's minimums (R-BOT1), meant
# for a country's traffic, would take them for a botnet after five in ten minutes. The environment still wins.
DEMO_DEFAULTS = {
    "MONCOMPTE_BOT_MINIMUM_GLOBAL": "100000",
    "MONCOMPTE_BOT_MINIMUM_NETWORK": "100000",
    "MONCOMPTE_BOT_MINIMUM_DOMAIN": "100000",
    "MONCOMPTE_BOT_MINIMUM_DEPARTEMENT": "100000",
}


def service_settings(*, demo: bool = False) -> Settings:
    """The service's own settings (MONCOMPTE_<NAME>), read and checked once: a bad value stops the start."""
    return Settings.from_environment({**DEMO_DEFAULTS, **os.environ} if demo else os.environ)


def networks(name: str) -> list[IPv4Network | IPv6Network]:
    """The environment variable `name` as a comma-separated list of CIDR blocks."""
    return ip_networks_of(text(name), name=name)


def ip_networks_of(value: str, *, name: str = "MONCOMPTE_TRUSTED_PROXIES") -> list[IPv4Network | IPv6Network]:
    """A comma-separated list of CIDR blocks; a wrong one is refused with the variable's name."""
    found = []
    for item in value.split(","):
        if item.strip():
            try:
                found.append(ip_network(item.strip(), strict=False))
            except ValueError as error:
                raise ImproperlyConfigured(
                    f"{name} : « {item.strip()} » n'est pas une adresse ou un réseau."
                ) from error
    return found


def var_dir() -> Path:
    """Where the demo keeps its database, mailbox and generated secret key."""
    path = Path(text("MONCOMPTE_VAR_DIR") or Path.cwd() / "var").resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def local_secret_key(directory: Path) -> str:
    """A key kept under var/ so demo sessions survive a restart; never used in production."""
    key_file = directory / DEMO_KEY_FILE
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()
