"""A tiny HTTP client for the load benchmarks: one cookie jar per simulated person, form posts with CSRF."""

import http.cookiejar
import os
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@dataclass
class Browser:
    base: str
    jar: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)

    def __post_init__(self) -> None:
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect())

    def request(self, path: str, data: dict[str, str] | None = None) -> tuple[int, str, float]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body)
        if body is not None:
            req.add_header("Origin", self.base)
        start = time.perf_counter()
        try:
            with self.opener.open(req, timeout=30) as response:
                text = response.read().decode()
                status = response.status
        except urllib.error.HTTPError as error:
            text, status = error.read().decode(errors="replace"), error.code
        return status, text, time.perf_counter() - start


def hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]+)"', page)
    if not match:
        raise AssertionError(f"no hidden field {name} in page")
    return match[1]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def process_tree_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children (gunicorn master and workers), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(child) for child in children.read_text().split()]
    for each in pids:
        fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def _postgres_backends(database: str) -> dict[int, float]:
    """CPU seconds of each PostgreSQL backend connected to `database` (its command line names it)."""
    ticks = os.sysconf("SC_CLK_TCK")
    found: dict[int, float] = {}
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            words = cmdline.read_bytes().decode(errors="replace").replace("\0", " ").split()
            if not (words and words[0].startswith("postgres:") and database in words):
                continue
            pid = int(cmdline.parent.name)
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, ValueError):  # the process ended meanwhile
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return found


class PostgresCpu:
    """The CPU that PostgreSQL spends for one database while the block runs: its backends only, read from /proc
    every `every` seconds so that a backend which ends (a connection closed at CONN_MAX_AGE) keeps what it spent
    until its last reading. Other databases' work on a shared machine (other benchmarks, test suites) is not
    counted, nor are the server's shared processes (WAL writer, checkpointer)."""

    def __init__(self, database: str, every: float = 0.25) -> None:
        self.database, self.every = database, every
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.stopped = threading.Event()

    def _read(self) -> None:
        for pid, seconds in _postgres_backends(self.database).items():
            self.first.setdefault(pid, 0.0 if self.started else seconds)
            self.last[pid] = seconds

    def _watch(self) -> None:
        while not self.stopped.wait(self.every):
            self._read()

    def __enter__(self) -> "PostgresCpu":
        self.started = False
        self._read()
        self.started = True
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.thread.join()
        self._read()

    @property
    def seconds(self) -> float:
        return sum(self.last[pid] - self.first[pid] for pid in self.last)
