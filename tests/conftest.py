import os
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models.sql.compiler import SQLCompiler
from django.test import override_settings

from moncompte.core.client import Client
from moncompte.outbox.sink import sink_start
from moncompte.registry.models import Beneficiary
from tests.dns_server import DnsServer
from tests.helpers import NOW, SentCode, code_sent_at, signed_in_with_second_factor


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked postgresql test PostgreSQL itself: the SQLite pass deselects them (the README's test
    command runs both passes in CI), rather than skipping them. Tests marked without_database never open one
    (the CI-sized CAPTCHA attack): the PostgreSQL pass would repeat them exactly, so only SQLite's runs them."""
    unwanted = "without_database" if connection.vendor == "postgresql" else "postgresql"
    deselected = [item for item in items if item.get_closest_marker(unwanted)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker(unwanted)]


@pytest.fixture(scope="session", autouse=True)
def dns_server() -> Iterator[DnsServer]:
    """The DNS the service asks about mail servers (R-SUP4), in this process and in the commands tests start:
    a local one (tests/dns_server.py), never the network's."""
    server = DnsServer()
    given = {"MONCOMPTE_SUPPORT_DNS_SERVERS": "127.0.0.1", "MONCOMPTE_SUPPORT_DNS_PORT": str(server.port)}
    before = {name: os.environ.get(name) for name in given}
    os.environ.update(given)
    settings.MONCOMPTE = replace(settings.MONCOMPTE, support_dns_servers=("127.0.0.1",), support_dns_port=server.port)
    yield server
    server.stop()
    for name, value in before.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session", autouse=True)
def staff_passwords_hashed_quickly() -> Iterator[None]:
    """Staff passwords hashed at 1,000 iterations (tests.helpers.QuickPBKDF2PasswordHasher): each desk test
    creates and signs in staff, and 1,500,000 iterations cost half a second each time (issue 20's CI time)."""
    others = [name for name in settings.PASSWORD_HASHERS if not name.endswith(".PBKDF2PasswordHasher")]
    with override_settings(PASSWORD_HASHERS=["tests.helpers.QuickPBKDF2PasswordHasher", *others]):
        yield


@pytest.fixture(autouse=True)
def unordered_querysets_come_in_random_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """A query without ORDER BY returns rows in whatever order the database likes (PostgreSQL does change it).
    In tests such queries are shuffled, so code and tests that lean on an order they never asked for fail."""
    original = SQLCompiler.get_order_by

    def get_order_by(self: SQLCompiler) -> list[Any]:
        order = original(self)
        query = self.query
        plain_select = type(self) is SQLCompiler and not (query.distinct or query.combinator or query.is_sliced)
        if order or not plain_select or not query.default_ordering or query.order_by or query.group_by:
            return order
        query.order_by = ("?",)
        try:
            return original(self)
        finally:
            query.order_by = ()

    monkeypatch.setattr(SQLCompiler, "get_order_by", get_order_by)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker) -> None:
    """The test database empties its tables between tests (TRUNCATE on PostgreSQL), the audit table too:
    it says so, as migration audit 0003 asks (production databases never do)."""
    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            name = connection.settings_dict["NAME"]
            with connection.cursor() as cursor:
                cursor.execute(f"ALTER DATABASE \"{name}\" SET moncompte.allow_truncate = 'on'")
            connection.close()


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    """Each test starts with an empty cache: counters of shown CAPTCHAs and renderings live there; and
    without this process's copies of attack mode and of the velocity baselines (R-BOT1), which would
    otherwise outlive the test's database (time is frozen, so they would never expire), nor the readiness
    findings of another test's database (R-OPS1)."""
    from moncompte.defence.mode import attack_mode_cache_clear
    from moncompte.defence.velocity import baselines_forget
    from moncompte.web.health import readiness_forget

    cache.clear()
    attack_mode_cache_clear()
    baselines_forget()
    readiness_forget()
    yield
    cache.clear()
    attack_mode_cache_clear()
    baselines_forget()
    readiness_forget()


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def traveller() -> Iterator[time_machine.Traveller]:
    """The service clock, frozen at NOW and moved by the test (`traveller.shift(...)`)."""
    with time_machine.travel(NOW, tick=False) as coordinates:
        yield coordinates


@pytest.fixture
def client_info() -> Client:
    return Client(address="203.0.113.7", user_agent="pytest")


@pytest.fixture
def beneficiary(db: None) -> Beneficiary:
    return Beneficiary.objects.create(
        nir="2840588321025",
        last_name="DURAND",
        first_name="Camille",
        birth_date=date(1984, 5, 3),
        postal_code="88100",
    )


@pytest.fixture
def code_sent(beneficiary: Beneficiary, client_info: Client, now: datetime) -> SentCode:
    return code_sent_at(beneficiary, client_info, now)


@pytest.fixture
def smtp_sink(tmp_path: Path) -> Iterator[tuple[Controller, Path]]:
    """A real SMTP server on a free local port, keeping what it receives in a Maildir."""
    maildir = tmp_path / "mailbox"
    controller = sink_start(maildir=maildir)
    yield controller, maildir
    controller.stop()


@pytest.fixture
def admin_client(client: Any, admin_user: Any) -> Any:
    """A superuser signed in to /support/ with the second factor, as pytest-django's fixture is without it."""
    return signed_in_with_second_factor(client, admin_user)


@pytest.fixture
def agent_client(db: None) -> Any:
    """An agent of the support desk, signed in with the second factor."""
    from django.test import Client as HttpClient

    from moncompte.support.roles import Role, staff_create

    agent = staff_create(username="agent.dupont", password="Agent-du-support-2026", role=Role.AGENT).user
    return signed_in_with_second_factor(HttpClient(), agent)
