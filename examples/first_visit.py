#!/usr/bin/env python3
"""Exemple de client de l'API de compte ameli (/api/v1/) : la première visite et l'activation d'un compte.

Bibliothèque standard seulement. Le script fait ce que fera l'application : le code anti-robot (image et son
enregistrés dans des fichiers, preuve de travail calculée), l'identité, le code provisoire reçu par email, le
code personnel, les coordonnées, puis le lien de confirmation reçu par email ; il se connecte enfin avec le code
personnel et vérifie que le compte est actif.

    python3 examples/first_visit.py --server http://127.0.0.1:8000 --nir "2 84 05 88 321 025 32" \\
        --birth-date 1984-05-03 --postal-code 88100 --email camille@example.fr \\
        --personal-code Vacances-Bretagne-42 --mobile "06 50 56 42 78"

Ce qu'on ne connaît qu'en cours de route (les caractères de l'image, le code provisoire, le lien) est demandé
sur l'entrée standard. Quand elle n'est pas un terminal, chaque question tient sur une ligne qui commence par
« ? » et la réponse est lue sur la ligne suivante : un autre programme peut répondre (c'est ainsi que le teste
tests/e2e/test_example_client.py).
"""

import argparse
import base64
import hashlib
import json
import os
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ALTCHA_HASHES = {"SHA-1": "sha1", "SHA-256": "sha256", "SHA-512": "sha512"}


class Refused(Exception):
    """A problem document (RFC 9457) the API answered: `code` is stable, `detail` is said to the person."""

    def __init__(self, problem: dict[str, Any]) -> None:
        super().__init__(f"{problem.get('detail')} ({problem.get('code')})")
        self.problem = problem
        self.code = str(problem.get("code"))


class Api:
    def __init__(self, server: str) -> None:
        self.server = server.rstrip("/")

    def fetch(self, method: str, path: str, body: Any = None, token: str = "") -> Any:
        """The JSON answer of `method path` (`path` under /api/v1/), or Refused with the problem."""
        headers = {"Accept": "application/json, application/problem+json", "User-Agent": "exemple-premiere-visite"}
        data = None
        if body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        url = path if path.startswith("http") else f"{self.server}/api/v1{path}"
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                content = answer.read()
                return json.loads(content) if answer.headers.get_content_type().endswith("json") else content
        except urllib.error.HTTPError as error:
            raise Refused(json.loads(error.read())) from None


def paris_time(moment: str) -> str:
    """An instant of the API (ISO 8601, in UTC) as a French app shows it: the date and time in Paris. Without the
    time zone database (Windows without the `tzdata` package), the computer's own time zone."""
    instant = datetime.fromisoformat(moment)
    try:
        local, said = instant.astimezone(ZoneInfo("Europe/Paris")), "heure de Paris"
    except ZoneInfoNotFoundError:
        local, said = instant.astimezone(), "heure de cet ordinateur"
    return f"{local:%d/%m/%Y à %H:%M} ({said})"


def folder_for_files(given: Path | None) -> Path:
    """Where the picture and the sound go: the folder given, which must exist and be writable (said in a sentence,
    exit status 2 as for any wrong argument), or a new temporary one."""
    if given is None:
        return Path(tempfile.mkdtemp(prefix="captcha-"))
    if not given.is_dir():
        said = (
            "n'est pas un dossier"
            if given.exists()
            else f"n'existe pas : créez-le (mkdir -p {given}) ou omettez --files"
        )
        print(f"Le dossier {given} (--files) {said}.", file=sys.stderr)
        raise SystemExit(2)
    if not os.access(given, os.W_OK | os.X_OK):
        print(
            f"Le dossier {given} (--files) n'est pas accessible en écriture : choisissez-en un autre.", file=sys.stderr
        )
        raise SystemExit(2)
    return given


def ask(question: str) -> str:
    if sys.stdin.isatty():
        return input(f"{question} : ").strip()
    print(f"? {question} :", flush=True)
    return sys.stdin.readline().strip()


def proof_of_work(work: str) -> str:
    """R-CAP6: the number whose hash, after the salt, is the challenge (ALTCHA), sent as base64 JSON."""
    challenge = json.loads(work)
    algorithm = ALTCHA_HASHES[challenge["algorithm"]]
    for number in range(challenge["maxNumber"] + 1):
        if hashlib.new(algorithm, f"{challenge['salt']}{number}".encode()).hexdigest() == challenge["challenge"]:
            solution = {key: challenge[key] for key in ("algorithm", "challenge", "salt", "signature")}
            return base64.b64encode(json.dumps({**solution, "number": number}).encode()).decode()
    return ""  # no proof: the API then counts the answer under a stricter limit


def identity(api: Api, person: argparse.Namespace, folder: Path) -> None:
    """The CAPTCHA and the identity; a new challenge after a wrong answer, as the API says."""
    for _ in range(3):
        captcha = api.fetch("POST", "/captcha")
        for kind in ("image", "audio"):
            (folder / Path(captcha[kind]).name).write_bytes(api.fetch("GET", api.server + captcha[kind]))
        print(f"Code anti-robot : {api.server}{captcha['image']}, enregistré avec son son dans {folder}")
        body = {
            "nir": person.nir,
            "birth_date": person.birth_date,
            "postal_code": person.postal_code,
            "email": person.email,
            "captcha_id": captcha["id"],
            "captcha_key": captcha["key"],
            "captcha_work": proof_of_work(captcha["work"]),
            "captcha_answer": ask("Caractères de l'image (ou nombres du son, en chiffres)"),
        }
        try:
            sent = api.fetch("POST", "/enrollment/identity", body)
        except Refused as refused:
            if not refused.code.startswith("captcha"):
                raise
            print(refused.problem["detail"])
            continue
        print(f"Code provisoire envoyé à {sent['email_masked']}, valable jusqu'au {paris_time(sent['expires_at'])}.")
        return
    raise SystemExit("Trop de codes anti-robot refusés.")


def personal_code(api: Api, restricted: str, chosen: str) -> tuple[dict[str, Any], str]:
    """The tokens and the code chosen: a refused code says which rules it breaks (`rules`, in the words of the
    web's checklist), and another is asked."""
    while True:
        try:
            body = {"password": chosen, "confirmation": chosen}
            return dict(api.fetch("POST", "/personal-code", body, restricted)), chosen
        except Refused as refused:
            if refused.code != "password_refused":
                raise
            print("Code personnel refusé. Il doit :")
            for rule in refused.problem["rules"]:  # the line of the web's checklist, and what the page says
                print(f"  - {rule['label']} : {rule['detail']}")
            chosen = ask("Autre code personnel")


def first_visit(api: Api, person: argparse.Namespace, folder: Path) -> dict[str, Any]:
    identity(api, person, folder)
    code = ask("Code provisoire reçu par email")
    restricted = api.fetch("POST", "/sessions", {"nir": person.nir, "code": code, "device_name": "exemple"})
    tokens, person.personal_code = personal_code(api, restricted["access_token"], person.personal_code)
    print(f"Code personnel choisi ; étape suivante : {tokens['next_step']}.")
    contact = {"email": person.email, "email_confirmation": person.email, "consent_email": False}
    if person.mobile:
        contact.update(mobile=person.mobile, consent_mobile_call=False, consent_mobile_sms=True)
    linked = api.fetch("POST", "/enrollment/contact", contact, tokens["access_token"])
    print(f"Lien de confirmation envoyé à {linked['email_masked']}.")
    link = ask("Lien de confirmation reçu par email")
    # What the link's page does once opened (its button, or by itself in a browser): a form posted to the link.
    form = urllib.parse.urlencode({"action": "confirm"}).encode()
    urllib.request.urlopen(urllib.request.Request(link, data=form, method="POST"), timeout=30).close()
    signed_in = api.fetch("POST", "/sessions", {"nir": person.nir, "code": person.personal_code})
    if signed_in["next_step"] != "account":
        raise SystemExit(f"Le compte n'est pas encore actif : {signed_in['message']}")
    return dict(api.fetch("GET", "/account", token=signed_in["access_token"]))


def main() -> None:
    parser = argparse.ArgumentParser(description="Première visite et activation d'un compte ameli par l'API.")
    parser.add_argument("--server", default="http://127.0.0.1:8000")
    for name in ("--nir", "--birth-date", "--postal-code", "--email", "--personal-code"):
        parser.add_argument(name, required=True)
    parser.add_argument("--mobile", default="")
    parser.add_argument(
        "--files", type=Path, help="où enregistrer l'image et le son (par défaut : un dossier temporaire)"
    )
    person = parser.parse_args()
    folder = folder_for_files(person.files)
    try:
        account = first_visit(Api(person.server), person, folder)
    except Refused as refused:
        raise SystemExit(f"Refusé : {refused}") from None
    print(f"Compte actif : {account['first_name']} {account['last_name']}, {account['email']}.")


if __name__ == "__main__":
    main()
