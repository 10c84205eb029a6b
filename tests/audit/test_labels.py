"""R-SUP4, R-SEC3: every event the service writes to the security log has a French label, which the desk's
history and the back office show in place of its code (issue 23, point 11)."""

import ast
import re
from pathlib import Path

from moncompte.audit.labels import EVENT_LABELS, details_in_words, event_label

PACKAGE = Path(__file__).resolve().parent.parent.parent / "moncompte"
CODE = re.compile(r"^[a-z]+(_[a-z0-9]+)+$|^[a-z]+$")


def events_written() -> tuple[set[str], set[str], set[str]]:
    """What the source hands as an event: constant names (`event="…"`, `_audit("…", …)`, `event = "…"`), the
    constant suffixes of `f"{event}_…"` and the constant prefixes of `f"…_{x}"`."""
    names, suffixes, prefixes = set[str](), set[str](), set[str]()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            given: list[ast.expr] = []
            if isinstance(node, ast.Call):
                given += [keyword.value for keyword in node.keywords if keyword.arg == "event"]
                if getattr(node.func, "id", None) == "_audit" and node.args:
                    given.append(node.args[0])
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "event" for t in node.targets):
                given.append(node.value)
            for value in given:
                choices = [value.body, value.orelse] if isinstance(value, ast.IfExp) else [value]
                for choice in choices:
                    if isinstance(choice, ast.Constant) and isinstance(choice.value, str):
                        names.add(choice.value)
                    if isinstance(choice, ast.JoinedStr):
                        first, last = choice.values[0], choice.values[-1]
                        if isinstance(last, ast.Constant):
                            suffixes.add(str(last.value))
                        if isinstance(first, ast.Constant):
                            prefixes.add(str(first.value))
    return {name for name in names if CODE.match(name)}, suffixes, prefixes


def test_the_scan_sees_the_events_of_the_source():
    names, suffixes, prefixes = events_written()
    assert {"provisional_code_sent", "support_action_refused", "staff_second_factor_failure"} <= names
    assert {"_failure", "_blocked", "_refused_blocked"} <= suffixes
    assert "support_attack_mode_" in prefixes


def test_every_event_written_has_a_french_label_R_SUP4():
    names, suffixes, prefixes = events_written()
    # A name is an event, or the start of events (`sign_in` gives `sign_in_failure`, …): all of them labelled.
    unlabelled = {
        name
        for name in names
        if name not in EVENT_LABELS and not all(name + suffix in EVENT_LABELS for suffix in suffixes)
    }
    assert unlabelled == set()
    for prefix in prefixes:
        assert {code for code in EVENT_LABELS if code.startswith(prefix)}, prefix


def test_an_event_and_its_details_are_said_in_words():
    assert event_label("support_person_viewed") == "Fiche ouverte au guichet"
    assert event_label("something_new") == "Autre événement"
    details = {"staff": "agent.dupont", "action": "throttles_lift", "why": "supervisor_only", "granted": True}
    assert details_in_words(details) == [
        ("par", "agent.dupont"),
        ("action", "lever les limites"),
        ("raison du refus", "réservé aux superviseurs"),
        ("accordé", "oui"),
    ]
