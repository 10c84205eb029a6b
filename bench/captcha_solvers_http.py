"""The HTTP side of the reference attack (bench/captcha_attack.py): real challenges from `moncompte serve`,
answered through the app's API as a script would.

For each challenge: POST /api/v1/captcha, fetch the picture and/or the sound, read it, solve the proof of work
with hashlib, then POST /api/v1/enrollment/identity with a made-up identity (a valid NIR nobody holds) and the
answer. A problem whose code starts with "captcha" is a refusal; 429 is a limit; anything else means the
CAPTCHA let the answer through (the identity step then says the person is unknown).
"""

import base64
import dataclasses
import hashlib
import http.client
import json
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from bench.captcha_solvers_common import Score
from bench.server import MONCOMPTE, ROOT, _wait_until_up, server_env
from moncompte.core.conf import Settings

VAR_DIR = ROOT / "var" / "bench" / "captcha_attack"
SERVER_LOG = VAR_DIR / "server.log"


def raised_limits(counts: Settings) -> dict[str, str]:
    """MONCOMPTE_* for every CAPTCHA and bot-defence count of the form ..._PER_...: set very high, so the
    attack measures reading, not waiting (the limits are measured by their own benchmarks)."""
    return {
        f"MONCOMPTE_{name.upper()}": "1000000"
        for name, value in dataclasses.asdict(counts).items()
        if "_per_" in name and isinstance(value, int) and name.startswith(("captcha", "bot", "attack"))
    }


@contextmanager
def serving(*, port: int, counts: Settings) -> Iterator[tuple[str, dict[str, str]]]:
    """`moncompte serve` on a fresh SQLite database of its own (the CAPTCHA needs no registry), with the
    benchmark's SECRET_KEY so that this process can tell the true answers. Yields (base URL, raised limits)."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    database = VAR_DIR / "attack.sqlite3"
    for stale in VAR_DIR.glob("attack.sqlite3*"):
        stale.unlink()
    base = f"http://127.0.0.1:{port}"
    env = server_env(f"sqlite:///{database}", VAR_DIR, redis=False, site_url=base)
    raised = raised_limits(counts)
    env.update(raised)
    subprocess.run([MONCOMPTE, "migrate", "-v0"], env=env, check=True)
    with SERVER_LOG.open("w") as log:
        server = subprocess.Popen(
            [MONCOMPTE, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2"], env=env, stdout=log, stderr=log
        )
        try:
            _wait_until_up(base)
            yield base, raised
        finally:
            server.terminate()
            server.wait(timeout=30)


def source_address(index: int) -> str:
    """One loopback address per challenge, each in its own /24 (Linux answers on all of 127.0.0.0/8)."""
    return f"127.{1 + index // 250 % 250}.{index % 250}.{1 + index // 62500 % 250}"


@dataclass
class Client:
    base: str
    address: str

    def call(self, method: str, path: str, body: dict[str, str] | None = None) -> tuple[int, bytes]:
        host, port = self.base.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=60, source_address=(self.address, 0))
        try:
            data = json.dumps(body).encode() if body is not None else None
            headers = {"Content-Type": "application/json", "User-Agent": "captcha-attack/1"} if data else {}
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()


def work_solved(work_json: str) -> tuple[str, float]:
    """The ALTCHA proof of work, found with hashlib as a script would: (payload, CPU seconds)."""
    work, started = json.loads(work_json), time.process_time()
    salt, target = work["salt"].encode(), work["challenge"]
    limit = int(work.get("maxNumber", work.get("maxnumber", 10**7)))
    number = next((n for n in range(limit + 1) if hashlib.sha256(salt + str(n).encode()).hexdigest() == target), -1)
    fields = {key: work[key] for key in ("algorithm", "challenge", "salt", "signature")}
    payload = base64.b64encode(json.dumps({**fields, "number": number}).encode()).decode()
    return payload, time.process_time() - started


def made_up_identity(index: int) -> dict[str, str]:
    """A well-formed NIR (born in May 1984, Paris), valid key, that the empty registry does not hold."""
    value = f"18405751{index % 100000:05d}"
    return {
        "nir": value + f"{97 - int(value) % 97:02d}",
        "birth_date": "03/05/1984",
        "postal_code": "75001",
        "email": f"robot{index}@example.org",
    }


@dataclass
class Served:
    challenge_id: str
    media: dict[str, bytes]  # "picture" / "sound" -> bytes
    submit: Any  # callable(answer) -> outcome


def challenge(base: str, index: int, kinds: tuple[str, ...]) -> Served | str:
    """A fresh challenge and its media, or the reason it could not be had ("limited: 429"...)."""
    client = Client(base, source_address(index))
    status, body = client.call("POST", "/api/v1/captcha")
    if status != 200:
        return f"new challenge: HTTP {status}"
    offered = json.loads(body)
    media = {}
    for kind, key in (("picture", "image"), ("sound", "audio")):
        if kind in kinds:
            status, media[kind] = client.call("GET", offered[key])
            if status != 200:
                return f"{key}: HTTP {status}"

    def submit(answer: str) -> tuple[str, float]:
        payload, work_seconds = work_solved(offered["work"])
        fields = {"captcha_id": offered["id"], "captcha_key": offered["key"], "captcha_answer": answer or "?"}
        fields["captcha_work"] = payload
        status, body = client.call("POST", "/api/v1/enrollment/identity", {**made_up_identity(index), **fields})
        return outcome(status, body), work_seconds

    return Served(offered["id"], media, submit)


def outcome(status: int, body: bytes) -> str:
    """'refused:<code>' for a CAPTCHA refusal, 'limited' for 429, 'passed:<status or code>' otherwise."""
    if status == 429:
        return "limited"
    try:
        code = str(json.loads(body).get("code", ""))
    except ValueError:
        code = ""
    if code.startswith("captcha"):
        return f"refused:{code}"
    return f"passed:{code or status}"


def loopback_spread_works() -> bool:
    """Whether this machine lets a client bind 127.x.y.z (Linux does)."""
    try:
        probe = http.client.HTTPConnection("127.0.0.1", 9, timeout=1, source_address=(source_address(1), 0))
        probe.connect()
    except ConnectionRefusedError:
        return True
    except OSError:
        return False
    probe.close()
    return True


def over_http(
    answer: Callable[[str, dict[str, bytes]], tuple[str, float]],
    truth: Callable[[str, str, str], str],
    kinds: list[str],
    count: int,
    port: int,
    counts: Settings,
) -> dict[str, Score]:
    """`count` served challenges of each kind ("picture", "sound", "both"), answered with `answer(kind, media)`;
    `truth(challenge_id, kind, guess)` tells the true answer (for the characters right)."""
    scores: dict[str, Score] = {}
    with serving(port=port, counts=counts) as (base, raised):
        spread = loopback_spread_works()
        where = "one per challenge, each in its own /24 of 127.0.0.0/8" if spread else "all from 127.0.0.1"
        print(f"  HTTP: {base}; limits raised: {', '.join(sorted(raised)) or 'none'}; client addresses: {where}")
        for offset, kind in enumerate(kinds):
            scores[kind] = Score()
            for index in range(count):
                _one(base, offset * count + index if spread else 0, kind, answer, truth, scores[kind])
    return scores


def _one(base: str, index: int, kind: str, answer: Any, truth: Any, score: Score) -> None:
    served = challenge(base, index, ("picture", "sound") if kind == "both" else (kind,))
    if isinstance(served, str):
        score.notes[served] = score.notes.get(served, 0) + 1
        return
    guess, cpu = answer(kind, served.media)
    result, work_cpu = served.submit(guess)
    score.add(guess, truth(served.challenge_id, kind, guess), cpu, solved=result.startswith("passed"))
    score.work += work_cpu
    score.notes[result] = score.notes.get(result, 0) + 1
