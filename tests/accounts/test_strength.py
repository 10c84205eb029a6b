"""R-PW7: the indicative meter, and the browser computing exactly what the server computes."""

import json
import subprocess
from pathlib import Path

import pytest

from moncompte.accounts import strength
from moncompte.accounts.password_policy import is_common

STATIC = Path(strength.__file__).parent / "static" / "accounts"
CORPUS = [
    "",
    "a",
    "password",
    "Password1!",
    "MotdePasse1",
    "motdepasse",
    "azerty123",
    "AZERTY",
    "soleil",
    "Soleil2024",
    "S0le1l!",
    "nicolas",
    "Camille1984!",
    "camille.durand",
    "DurandC88",
    "Élise2000",
    "abcdef",
    "ZYXwvu",
    "13579",
    "aaaaaaaa",
    "Aa1?Aa1?",
    "01/02/1999",
    "1999-02-01",
    "19990201x",
    "Jt7?kL2!pQ",
    "xK9#mP2$vL",
    "correcthorsebatterystaple",
    "Tr0ub4dor&3",
    "elirtnomrepus",
    "J'aime les crêpes €£",
    "Bonjour le monde 2026",
    "€€€£££",
    "tresbon-Code-2026!",
    "emoji🙂ok",
    "MotdePasse1" * 4 + "Azerty",
    "Aa1?" * 12 + "xy",
    "x" * 60,
]
USER = ["Camille", "DURAND", "Élise"]


def test_common_passwords_are_very_weak_and_warned_about_R_PW7():
    result = strength.estimate("azerty")
    assert result.score == 0
    assert "plus utilisés" in result.warning


def test_the_person_s_own_name_is_warned_about_R_PW7():
    result = strength.estimate("Durand2!", user_inputs=USER)
    assert result.warning == "Évitez votre nom et votre prénom."


def test_long_random_codes_are_very_good_R_PW7():
    result = strength.estimate("qR7?vD2!mX9;wL4")
    assert (result.score, result.label) == (4, "Très bon")


@pytest.mark.parametrize(("weak", "strong"), [("soleil", "S0l!eilVert-Marine42"), ("abcdef12", "k3$Tq!bd")])
def test_more_varied_codes_score_higher_R_PW7(weak, strong):
    assert strength.estimate(strong).score > strength.estimate(weak).score


@pytest.mark.node
def test_browser_and_server_give_the_same_score_on_every_input_R_PW7(tmp_path):
    words = json.dumps(str(STATIC / "strength-words.json"))
    script = tmp_path / "run.js"
    script.write_text(
        "const fs = require('fs');\n"
        f"eval(fs.readFileSync({json.dumps(str(STATIC / 'strength.js'))}, 'utf8'));\n"
        f"moncompteStrength.load(JSON.parse(fs.readFileSync({words})));\n"
        f"const corpus = {json.dumps(CORPUS)};\n"
        f"const user = {json.dumps(USER)};\n"
        "const seen = (p) => Object.assign(moncompteStrength.estimate(p, user), "
        "{common: moncompteStrength.isCommon(p)});\n"
        "console.log(JSON.stringify(corpus.map(seen)));\n"
    )
    output = subprocess.run(["node", str(script)], capture_output=True, text=True, check=True).stdout
    browser = json.loads(output)
    for password, seen in zip(CORPUS, browser, strict=True):
        server = strength.estimate(password, user_inputs=USER)
        assert (seen["score"], seen["label"], seen["warning"]) == (
            server.score,
            server.label,
            server.warning,
        ), password
        assert seen["guesses"] == server.guesses, password
        assert seen["common"] == is_common(password), password  # R-PW10: the checklist refuses what the server does
