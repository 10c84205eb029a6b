"""Fault injection for the outbox: real `moncompte worker` processes, a real SMTP server made slow, and a
cable to PostgreSQL that the test can cut. Shared by the fault tests and bench/outbox_faults.py."""

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from django.db import connection

from moncompte.outbox.sink import free_port, received


class SlowMailbox(Mailbox):
    """A relay that takes `delay` seconds (or `delay()`, drawn per message) to answer each message (the slow
    relay of the fault report). It keeps the message as soon as the last byte is in, before it answers, as a
    real relay queues it: a sender that gives up waiting, or dies, leaves a message the relay has, and a copy
    sent again shows. `rcpt_delay` slows it before the message instead (at RCPT), when it has nothing yet."""

    def __init__(self, maildir: Path, delay: float | Callable[[], float], *, rcpt_delay: float = 0.0) -> None:
        super().__init__(maildir)
        self.delay = delay if callable(delay) else (lambda: delay)
        self.rcpt_delay = rcpt_delay
        self.arrivals: list[tuple[str, float]] = []  # (recipient, time.time()) as each message is kept

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        await asyncio.sleep(self.rcpt_delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        answer = str(await super().handle_DATA(server, session, envelope))
        self.arrivals += [(recipient, time.time()) for recipient in envelope.rcpt_tos]
        await asyncio.sleep(self.delay())
        return answer


def slow_sink_start(maildir: Path, *, delay: float | Callable[[], float], rcpt_delay: float = 0.0) -> Controller:
    for folder in ("cur", "new", "tmp"):
        (maildir / folder).mkdir(parents=True, exist_ok=True)
    controller = Controller(SlowMailbox(maildir, delay, rcpt_delay=rcpt_delay), hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller


def arrivals(sink: Controller) -> list[tuple[str, float]]:
    handler = sink.handler
    assert isinstance(handler, SlowMailbox)
    return list(handler.arrivals)


class DatabaseCable:
    """A TCP relay between workers and PostgreSQL. `cut()` drops every connection and refuses new ones, as a
    stopped server would; `mend()` lets them through again."""

    def __init__(self, *, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = free_port()
        self.open = threading.Event()
        self.open.set()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if not self.open.is_set():
                _hang_up(client)
                continue
            try:
                server = socket.create_connection(self.target)
            except OSError:
                _hang_up(client)
                continue
            with self._lock:
                self._sockets += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        towards_server = source.getsockname()[1] == self.port
        try:
            while data := source.recv(65536):
                if not self._carry(data, towards_server=towards_server):
                    return
                sink.sendall(data)
        except OSError:
            pass
        finally:
            _hang_up(source, sink)

    def _carry(self, data: bytes, *, towards_server: bool) -> bool:
        """Called with what passes, before it goes on; False stops this direction (a relay that misbehaves)."""
        return True

    def cut(self) -> None:
        self.open.clear()
        with self._lock:
            _hang_up(*self._sockets)
            self._sockets.clear()

    def mend(self) -> None:
        self.open.set()

    def close(self) -> None:
        self.cut()
        self._listener.close()


def _hang_up(*ends: socket.socket) -> None:
    for end in ends:
        with contextlib.suppress(OSError):
            end.shutdown(socket.SHUT_RDWR)
        end.close()


def database_url(*, through: DatabaseCable | None = None) -> str:
    """The URL of the database the tests use, for a worker process (through the cable if one is given)."""
    config = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{config['NAME']}"
    host, port = ("127.0.0.1", through.port) if through else (config["HOST"] or "127.0.0.1", config["PORT"] or 5432)
    return f"postgres://{config['USER']}@{host}:{port}/{config['NAME']}"


WORKER = [sys.executable, "-m", "moncompte", "worker"]
# A web process's own send (outbox/send_after_response.py): each address is one request, whose end sends it.
WEB = [sys.executable, "-m", "tests.outbox.web_process"]


@dataclass
class Workers:
    """`moncompte worker` processes (or, with `command=WEB`, web processes sending what their requests queued),
    started, killed and stopped like a supervisor (or a fault) would."""

    env: dict[str, str]
    processes: list[subprocess.Popen[bytes]]
    log: Path
    command: list[str] = field(default_factory=lambda: list(WORKER))

    @classmethod
    def start(
        cls,
        count: int,
        *,
        db_url: str,
        smtp_port: int,
        log: Path,
        env: dict[str, str] | None = None,
        command: list[str] = WORKER,
        **settings: int,
    ) -> "Workers":
        env = {
            **os.environ,
            **(env or {}),
            "DATABASE_URL": db_url,
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
            **{f"MONCOMPTE_{name.upper()}": str(value) for name, value in settings.items()},
        }
        workers = cls(env=env, processes=[], log=log, command=list(command))
        for _ in range(count):
            workers.spawn()
        return workers

    def spawn(self, *arguments: str) -> subprocess.Popen[bytes]:
        with self.log.open("ab") as out:
            process = subprocess.Popen([*self.command, *arguments], env=self.env, stdout=out, stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process

    def kill_one(self, index: int) -> None:
        """kill -9 of a running worker, and a new one in its place (as systemd would restart it)."""
        alive = [p for p in self.processes if p.poll() is None]
        alive[index % len(alive)].send_signal(signal.SIGKILL)
        self.spawn()

    def kill_sender_of(self, email_id: int) -> bool:
        """kill -9 of the process whose attempt at `email_id` is under way, if one of ours (no replacement)."""
        from moncompte.outbox.models import AttemptOutcome, DeliveryAttempt

        names = DeliveryAttempt.objects.filter(email_id=email_id, outcome=AttemptOutcome.SENDING).values_list(
            "worker", flat=True
        )
        pids = {int(name.rpartition(":")[2]) for name in names}
        for process in self.processes:
            if process.pid in pids and process.poll() is None:
                process.send_signal(signal.SIGKILL)
                process.wait()
                return True
        return False

    def wait(self, *, within: float) -> None:
        """Waits for every process to end by itself (web processes end once their requests are done)."""
        deadline = time.monotonic() + within
        for process in self.processes:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))

    def terminate(self, *, within: float = 10.0) -> float:
        """SIGTERM to all; returns how long the slowest took to exit."""
        started = time.monotonic()
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=max(0.1, within - (time.monotonic() - started)))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        return time.monotonic() - started


@dataclass(frozen=True)
class Tally:
    queued: int
    lost: list[str]
    duplicates: int  # copies beyond the first
    split_message_ids: list[str]  # addresses that received copies with different Message-IDs
    longest_delay: float  # seconds from enqueue to the relay's first copy, over every message received

    def __str__(self) -> str:
        return (
            f"{self.queued} en file, {self.queued - len(self.lost)} reçus au moins une fois, {len(self.lost)} perdus, "
            f"{self.duplicates} doublons, {len(self.split_message_ids)} avec des Message-ID différents, "
            f"plus long délai {self.longest_delay:.1f} s"
        )


def tally(maildir: Path, addresses: list[str], *, sink: Controller | None = None) -> Tally:
    """What the relay got. With the `sink` (a SlowMailbox), the delays too, from its arrival times."""
    from moncompte.outbox.models import OutboundEmail

    copies: Counter[str] = Counter()
    message_ids: dict[str, set[str]] = defaultdict(set)
    for mail in received(maildir):
        to = str(mail.message["To"])
        copies[to] += 1
        message_ids[to].add(str(mail.message["Message-ID"]))
    first: dict[str, float] = {}
    for to, at in arrivals(sink) if sink is not None else []:
        first.setdefault(to, at)
    queued_at = dict(OutboundEmail.objects.filter(to_address__in=list(first)).values_list("to_address", "created_at"))
    delays = [first[to] - queued_at[to].timestamp() for to in first if to in queued_at]
    return Tally(
        queued=len(addresses),
        lost=[a for a in addresses if copies[a] == 0],
        duplicates=sum(n - 1 for n in copies.values() if n > 1),
        split_message_ids=[a for a, ids in message_ids.items() if len(ids) > 1],
        longest_delay=max(delays, default=0.0),
    )
