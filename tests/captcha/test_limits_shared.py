"""R-CAP4: the CAPTCHA's limits are shared by every process of the service, in every configuration: without
Redis in the database, with Redis in Redis; never in one process's memory. Real processes (`moncompte shell`)
count at the same time against the same database as the test, then the test's own process is refused too."""

import os
import secrets
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from django.db import connection

from moncompte.captcha import limits
from moncompte.captcha.challenges import challenge_create
from moncompte.core.client import Client
from moncompte.core.errors import TooManyAttempts
from moncompte.core.models import WindowCounter
from tests.helpers import NOW, TEST_REDIS_URL

MONCOMPTE = str(Path(sys.executable).with_name("moncompte"))
TRIES = 12

# Run in each process: as many new challenges (or media fetches) as it can, each from a new browser session
# (a script renews it for free), at the same instant; prints how many passed.
CHILD = """
from datetime import datetime
from moncompte.captcha import limits
from moncompte.captcha.challenges import challenge_create
from moncompte.core.client import Client
from moncompte.core.errors import TooManyAttempts
now = datetime.fromisoformat({now!r})
passed = 0
for n in range({tries}):
    client = Client({address!r})
    try:
        if {media!r}:
            limits.media_count(client=client, now=now)
        else:
            challenge_create(binding=f"{{n}}-{{{address!r}}}", client=client, now=now)
        passed += 1
    except TooManyAttempts:
        pass
print(passed)
"""


def database_url() -> str:
    """The test database, as another process reaches it."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def run_together(addresses: list[str], *, env: dict[str, str], media: bool = False) -> list[int]:
    """One process per address, started together; how many events each got through."""
    code = [CHILD.format(now=NOW.isoformat(), tries=TRIES, address=address, media=media) for address in addresses]
    children = [
        subprocess.Popen([MONCOMPTE, "shell", "-c", one], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for one in code
    ]
    results = []
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err.decode()
        results.append(int(out.decode().split()[-1]))
    return results


def environment(redis_url: str = "", **counts: int) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": database_url(), "REDIS_URL": redis_url}
    return env | {f"MONCOMPTE_{name}": str(value) for name, value in counts.items()}


@pytest.fixture
def same_limits(settings):
    def apply(redis_url: str = "", **counts: int) -> dict[str, str]:
        settings.REDIS_URL = redis_url
        settings.MONCOMPTE = replace(settings.MONCOMPTE, **{name.lower(): value for name, value in counts.items()})
        return environment(redis_url, **counts)

    return apply


def a_network() -> str:
    """A /24 of its own for each run (keys left in Redis by an earlier run never meet this one's)."""
    return f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}"


@pytest.mark.django_db(transaction=True)
def test_two_processes_without_redis_share_the_client_limit_of_new_challenges_R_CAP4(same_limits):
    env = same_limits(CAPTCHA_NEW_PER_CLIENT=10)
    address = f"{a_network()}.7"
    assert sum(run_together([address, address], env=env)) == 10  # not 10 each: one count for both
    # One row per scope, key and window (client, network, and each of the 24 browser sessions), counted up.
    assert WindowCounter.objects.get(scope="captcha_new_client").events == 2 * TRIES
    assert WindowCounter.objects.filter(scope="captcha_new_network").get().events == 10
    with pytest.raises(TooManyAttempts):  # and this third process sees it too
        challenge_create(binding="yet another session", client=Client(address), now=NOW)


@pytest.mark.django_db(transaction=True)
def test_two_processes_without_redis_share_the_network_limit_R_CAP4(same_limits):
    env = same_limits(CAPTCHA_NEW_PER_NETWORK=15)
    network = a_network()
    assert sum(run_together([f"{network}.1", f"{network}.2"], env=env)) == 15
    with pytest.raises(TooManyAttempts):
        challenge_create(binding="fresh", client=Client(f"{network}.3"), now=NOW)


@pytest.mark.django_db(transaction=True)
def test_two_processes_without_redis_share_the_limit_of_media_fetched_R_CAP4(same_limits):
    env = same_limits(CAPTCHA_MEDIA_PER_CLIENT=7)
    address = f"{a_network()}.7"
    assert sum(run_together([address, address], env=env, media=True)) == 7
    with pytest.raises(TooManyAttempts):
        limits.media_count(client=Client(address), now=NOW)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_two_processes_with_redis_share_the_client_and_network_limits_R_CAP4(same_limits):
    env = same_limits(TEST_REDIS_URL, CAPTCHA_NEW_PER_CLIENT=10, CAPTCHA_NEW_PER_NETWORK=15)
    network = a_network()
    assert sum(run_together([f"{network}.1", f"{network}.1"], env=env)) == 10
    assert sum(run_together([f"{network}.2", f"{network}.3"], env=env)) == 5  # what the /24 had left
    with pytest.raises(TooManyAttempts):
        challenge_create(binding="fresh", client=Client(f"{network}.4"), now=NOW)
    assert not WindowCounter.objects.exists()  # nothing of it in the database
