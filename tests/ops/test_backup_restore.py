"""Issue 14: the backup routine of deploy/README.md (pg_dump -Fc, then pg_restore into a fresh database) brings
back every account, link and consent; and a restore revives nothing: link windows are computed from the
timestamps restored with them, so a link expired by now stays refused."""

import os
import secrets
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from moncompte.accounts.models import Account, ConsentRecord, EmailLink
from tests import factories

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]
MONCOMPTE = str(Path(sys.executable).with_name("moncompte"))


def url_of(name: str) -> str:
    config = connection.settings_dict
    return f"postgres://{config['USER']}@{config['HOST'] or '127.0.0.1'}:{config['PORT'] or 5432}/{name}"


def rows(url: str, query: str) -> list[tuple[object, ...]]:
    with psycopg.connect(url) as db:
        return db.execute(query).fetchall()


@pytest.fixture
def restored(tmp_path):
    """The test database dumped and restored as deploy/README.md says, into a database made for it."""
    name = f"restore_{secrets.token_hex(4)}"
    dump = tmp_path / "moncompte.dump"
    source = url_of(connection.settings_dict["NAME"])
    subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", source], check=True)
    with psycopg.connect(url_of("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={url_of(name)}", str(dump)], check=True
        )
        yield url_of(name)
    finally:
        with psycopg.connect(url_of("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def two_people(code_sent, now):
    """Camille active (with her consents), and her link; the fixture's clock is NOW."""
    return factories.active(code_sent, now)


def link_status_in(url: str, token: str, at: str) -> str:
    """The real use case, run by a `moncompte` process on the restored database."""
    script = (
        "from datetime import datetime; from moncompte.enrollment.email_links import link_status; "
        f"print(link_status(token='{token}', now=datetime.fromisoformat('{at}')).status.value)"
    )
    # The same SECRET_KEY: link digests are keyed with it (deploy/README.md: keep it apart from the dumps).
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": settings.SECRET_KEY}
    done = subprocess.run([MONCOMPTE, "shell", "-c", script], env=env, check=True, capture_output=True, text=True)
    return done.stdout.strip().splitlines()[-1]


def test_a_restore_brings_back_every_account_link_and_consent(two_people, restored):
    for table, model in (
        ("accounts_account", Account),
        ("accounts_emaillink", EmailLink),
        ("accounts_consentrecord", ConsentRecord),
    ):
        expected = sorted(model.objects.values_list("id", flat=True))
        assert expected, table
        assert sorted(int(str(row[0])) for row in rows(restored, f"SELECT id FROM {table}")) == expected  # noqa: S608
    digests = set(EmailLink.objects.values_list("digest", flat=True))
    assert {row[0] for row in rows(restored, "SELECT digest FROM accounts_emaillink")} == digests
    [(state,)] = rows(restored, f"SELECT state FROM accounts_account WHERE id = {two_people.account.pk}")  # noqa: S608
    assert state == "active"


@pytest.fixture
def link_waiting(code_sent, now):
    """A confirmation link sent at NOW and not yet used: dumped with its sending time."""
    factories.with_link_sent(code_sent, now)
    return factories.last_link_token("camille@example.fr")


def test_a_restored_link_is_worth_what_its_timestamps_say(link_waiting, restored, now):
    assert link_status_in(restored, link_waiting, (now + timedelta(days=1)).isoformat()) == "valid"
    assert link_status_in(restored, link_waiting, (now + timedelta(days=8)).isoformat()) == "expired"
    assert link_status_in(restored, link_waiting, (now + timedelta(days=22)).isoformat()) == "forgotten"
