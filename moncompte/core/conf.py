"""The service's settings as one typed, frozen object, read and checked once at start-up (R-SEC4).

`conf()` gives it everywhere: `conf().code_lifetime`, checked by mypy, where a string key of a dict was not.
The fields are declared by concern in `moncompte/core/settings/`; `Settings` joins them. Tests change it with
`settings.MONCOMPTE = dataclasses.replace(settings.MONCOMPTE, email_taken_per_day=1)` (checked again)."""

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import timedelta
from typing import Any, get_type_hints

from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured

from moncompte.core.settings.account import AccountSettings
from moncompte.core.settings.captcha import CaptchaSettings
from moncompte.core.settings.defence import DefenceSettings
from moncompte.core.settings.journey import JourneySettings
from moncompte.core.settings.mail import MailSettings
from moncompte.core.settings.messaging import MessagingSettings
from moncompte.core.settings.service import ServiceSettings
from moncompte.core.settings.support import SupportSettings

ENVIRONMENT_PREFIX = "MONCOMPTE_"


@dataclass(frozen=True, kw_only=True)
class Settings(
    ServiceSettings,
    JourneySettings,
    AccountSettings,
    CaptchaSettings,
    DefenceSettings,
    MailSettings,
    SupportSettings,
    MessagingSettings,
):
    def __post_init__(self) -> None:
        problems = [f"{name.upper()} : ne peut pas être négatif" for name in _names() if _negative(getattr(self, name))]
        problems += self._check_service() + self._check_journey() + self._check_account()
        problems += self._check_captcha() + self._check_defence() + self._check_mail() + self._check_messaging()
        if problems:
            raise ImproperlyConfigured("Réglages refusés : " + " ; ".join(problems) + ".")

    @classmethod
    def from_environment(cls, environment: Mapping[str, str]) -> "Settings":
        """The defaults, each replaced by MONCOMPTE_<NAME> when the environment gives it, read by the field's
        type: a whole number; a duration in seconds; a decimal number; yes/no (1, true, oui… or 0, false, non);
        a comma-separated list; text. A value that cannot be read is refused with its variable's name."""
        types, given = get_type_hints(cls), dict[str, Any]()
        for field in fields(cls):
            name = ENVIRONMENT_PREFIX + field.name.upper()
            raw = environment.get(name, "").strip()
            if raw:
                given[field.name] = _parsed(name, raw, types[field.name])
        return cls(**given)


def conf() -> Settings:
    """The settings of this process: settings.MONCOMPTE, built by moncompte/config/env.py at start-up."""
    value = django_settings.MONCOMPTE
    if not isinstance(value, Settings):
        raise ImproperlyConfigured("settings.MONCOMPTE doit être un moncompte.core.conf.Settings.")
    return value


TRUE_WORDS, FALSE_WORDS = {"1", "true", "yes", "on", "oui"}, {"0", "false", "no", "off", "non"}


def _parsed(name: str, raw: str, kind: Any) -> object:
    try:
        if kind is bool:
            if raw.lower() not in TRUE_WORDS | FALSE_WORDS:
                raise ValueError
            return raw.lower() in TRUE_WORDS
        if kind is int:
            return int(raw)
        if kind is float:
            return float(raw)
        if kind is timedelta:
            return timedelta(seconds=float(raw))
        if kind == tuple[str, ...]:
            return tuple(item.strip() for item in raw.split(",") if item.strip())
    except ValueError:
        expected = {bool: "oui ou non", int: "un nombre entier", float: "un nombre", timedelta: "un nombre de secondes"}
        raise ImproperlyConfigured(f"{name} doit être {expected[kind]} (reçu : {raw!r}).") from None
    return raw


def _names() -> list[str]:
    return [field.name for field in fields(Settings)]


def _negative(value: object) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0) or (
        isinstance(value, timedelta) and value < timedelta(0)
    )
