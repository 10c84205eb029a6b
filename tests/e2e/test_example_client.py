"""Issue 23, point 9: the example client (examples/first_visit.py), run as an app developer runs it, with Python
alone (no site-packages), does the whole first visit and activation against a real `moncompte serve`. The test
answers its questions as the person would: the CAPTCHA's characters read from its picture, the provisional code
and the link read from the emails the worker delivered to the SMTP sink, and a personal code again after the
first one (too common) is refused rule by rule."""

import importlib.util
import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from moncompte.accounts.models import Account
from moncompte.accounts.states import AccountState
from moncompte.captcha.challenges import challenge_answer
from moncompte.outbox.sink import received
from tests.e2e.helpers import wait_for_mail
from tests.e2e.journey import NIR, PERSONAL_CODE, link_of
from tests.e2e.live import served
from tests.helpers import clear_code_of

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "first_visit.py"
EMAIL = "camille.durand@exemple-de-client.fr"


@pytest.fixture
def port(tmp_path: Path, transactional_db) -> Iterator[int]:
    with served(tmp_path / "var", workers=1) as port:
        yield port


def link_in_mailbox(maildir: Path, seconds: float = 15) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for mail in received(maildir):
            if EMAIL in str(mail.message["To"]) and "/email/" in mail.text:
                return link_of(mail.text)
        time.sleep(0.1)
    raise AssertionError(f"no link for {EMAIL}")


def lines_of(process: subprocess.Popen[str]) -> "queue.Queue[str | None]":
    """The script's output, a line at a time (None once it ends), read without ever blocking the test."""
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    return lines


def answer(question: str, *, challenge: str, maildir: Path) -> str:
    """What the person answers: the characters read on the picture, the code and the link from the emails."""
    if question.startswith("? Caractères de l'image"):
        return challenge_answer(challenge_id=challenge)
    if question.startswith("? Code provisoire reçu par email"):
        return clear_code_of(wait_for_mail(maildir, to=EMAIL).text)
    if question.startswith("? Lien de confirmation reçu par email"):
        return link_in_mailbox(maildir)
    if question.startswith("? Autre code personnel"):  # after the rules the first one breaks
        return PERSONAL_CODE
    raise AssertionError(f"no other question expected: {question}")


def test_the_example_client_activates_an_account_against_a_real_server(port, camille, delivering, tmp_path):
    command = [sys.executable, "-I", "-S", str(SCRIPT), "--server", f"http://127.0.0.1:{port}", "--nir", NIR]
    command += ["--birth-date", "03/05/1984", "--postal-code", "88100", "--email", EMAIL]
    command += ["--personal-code", "vacances", "--mobile", "06 50 56 42 78", "--files", str(tmp_path)]
    said, challenge = [], ""
    pipe = subprocess.PIPE
    with subprocess.Popen(command, stdin=pipe, stdout=pipe, stderr=subprocess.STDOUT, text=True) as process:
        assert process.stdin is not None
        lines = lines_of(process)
        while (line := lines.get(timeout=60)) is not None:
            said.append(line)
            if found := re.search(r"/captcha/([^/]+)/image\.png", line):
                challenge = found[1]
            if line.startswith("?"):
                process.stdin.write(answer(line, challenge=challenge, maildir=delivering) + "\n")
                process.stdin.flush()
    transcript = "\n".join(said)
    assert process.returncode == 0, transcript
    assert "Compte actif : Camille DURAND, camille.durand@exemple-de-client.fr." in transcript
    assert re.search(r"valable jusqu'au \d\d/\d\d/\d{4} à \d\d:\d\d \(heure de Paris\)\.", transcript)
    # The first code refused rule by rule, in the words of the web's checklist (R-PW7), then another one asked.
    assert "  - ne pas être un code parmi les plus utilisés (comme Azerty123 ou Motdepasse1) : Ce code" in transcript
    assert transcript.count("? Autre code personnel") == 1
    assert (tmp_path / "image.png").read_bytes().startswith(b"\x89PNG")  # the picture and the sound, kept
    assert (tmp_path / "audio.wav").read_bytes().startswith(b"RIFF")
    account = Account.objects.get()
    assert account.state == AccountState.ACTIVE
    assert account.mobile == "+33650564278"


def example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("first_visit", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.without_database
@pytest.mark.parametrize(
    ("instant", "said"),
    [
        ("2026-03-02T09:30:00Z", "02/03/2026 à 10:30 (heure de Paris)"),  # winter: UTC+1
        ("2026-07-01T21:45:00+00:00", "01/07/2026 à 23:45 (heure de Paris)"),  # summer: UTC+2
        ("2026-10-24T23:10:00Z", "25/10/2026 à 01:10 (heure de Paris)"),  # the next day in Paris
    ],
)
def test_the_code_s_expiry_is_said_in_paris_time_not_in_utc(instant, said):
    assert example().paris_time(instant) == said


@pytest.mark.without_database
@pytest.mark.parametrize(
    ("kind", "said"),
    [("missing", "n'existe pas : créez-le (mkdir -p {}) ou omettez --files."), ("a_file", "n'est pas un dossier.")],
)
def test_a_files_folder_that_is_not_one_is_said_in_french_with_exit_status_2(tmp_path, kind, said):
    given = tmp_path / "captchas"
    if kind == "a_file":
        given.write_text("")
    command = [sys.executable, "-I", "-S", str(SCRIPT), "--nir", NIR, "--birth-date", "03/05/1984"]
    command += ["--postal-code", "88100", "--email", EMAIL, "--personal-code", PERSONAL_CODE, "--files", str(given)]
    # No server: the folder is checked before anything is asked of the API.
    done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False, stdin=subprocess.DEVNULL)
    assert done.returncode == 2
    assert done.stderr == f"Le dossier {given} (--files) {said.format(given)}\n"
    assert done.stdout == ""
