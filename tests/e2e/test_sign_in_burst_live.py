"""Issue 21, F6 (fresh attacker), end to end (R-LIM3, R-PW9): a real `moncompte serve` with four processes on
PostgreSQL; one client sends a burst of wrong sign-ins to the app's API, on as many NIRs, all at the same
instant. No more of them are checked than the client's failures of the hour allow, and what the burst left of
the hour, and no more, is left to the next tries."""

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from moncompte.audit.models import AuditEvent
from tests.e2e.live import Visitor, served

pytestmark = pytest.mark.postgresql
LIMIT, BURST = 5, 24
WRONG = "Wrong-Code-1"


def nir(n: int) -> str:
    return f"1850575056{n:03d}"


@pytest.fixture
def port(tmp_path: Path, transactional_db, monkeypatch) -> Iterator[int]:
    monkeypatch.setenv("MONCOMPTE_SIGN_IN_MAX_FAILURES_PER_CLIENT", str(LIMIT))
    with served(tmp_path / "var", workers=4) as port:
        yield port


def burst(attacker: Visitor) -> list[int]:
    """The statuses of BURST wrong sign-ins released at the same instant, each on its own connection."""
    barrier, statuses = threading.Barrier(BURST), list[int]()

    def attempt(n: int) -> None:
        barrier.wait(timeout=10)
        statuses.append(attacker.api("POST", "/sessions", nir=nir(n), code=WRONG)[0])

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(BURST)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses


def test_a_burst_of_wrong_sign_ins_from_one_client_gets_no_more_checks_than_its_limit_R_LIM3_R_PW9(port):
    for n in range(4):  # each server process past its first request, so the burst meets them all warm
        assert Visitor(port, f"192.0.2.{n + 1}").api("POST", "/sessions", nir=nir(900), code=WRONG)[0] == 400
    attacker = Visitor(port, "198.51.100.9")
    statuses = burst(attacker)
    assert len(statuses) == BURST
    assert set(statuses) <= {400, 429}, statuses  # a failure, or refused for the client's hour
    failures = AuditEvent.objects.filter(event="sign_in_failure", client_address=attacker.address)
    assert failures.count() == statuses.count(400) <= LIMIT, statuses
    left = [attacker.api("POST", "/sessions", nir=nir(BURST + n), code=WRONG)[0] for n in range(LIMIT + 1)]
    assert left == [400] * (LIMIT - statuses.count(400)) + [429] * (statuses.count(400) + 1)
    assert failures.count() == LIMIT
