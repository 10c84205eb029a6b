"""R-SUP4, R-SEC3: every event the service writes to the security log has a French label, which the desk's
history and the back office show in place of its code (issue 23, point 11)."""

import ast
import importlib
import re
from enum import Enum
from pathlib import Path

from moncompte.accounts.models import ConsentChannel
from moncompte.audit.labels import AS_WRITTEN, DETAIL_LABELS, EVENT_LABELS, VALUE_LABELS, details_in_words, event_label
from moncompte.core.errors import DomainError
from moncompte.enrollment.email_links import LinkStatus
from moncompte.messaging.bulk import Result
from moncompte.messaging.models import MessageKind
from moncompte.outbox.reports import ReportKind
from moncompte.support.models import IdentityDocument

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


# What writes an audit row, and its arguments that are no detail (log.record's own, record_many's).
WRITERS = {"record", "record_many", "_audit", "refusal_record", "internal_call_audit"}
NOT_DETAILS = {"event", "now", "nir", "account_id", "client", "account_ids", "caller"}


def _name(function: ast.expr) -> str | None:
    return function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", None)


def _dict_keys(node: ast.expr | None, tree: ast.Module) -> set[str]:
    """The constant keys of a dict given as `**x`, `details={…}` or `each={…}`: a dict literal, either side of
    a conditional, a variable assigned (or |=) dicts in the module, or a call of a function of the module
    returning them."""
    if isinstance(node, ast.Dict):
        return {key.value for key in node.keys if isinstance(key, ast.Constant) and isinstance(key.value, str)}
    if isinstance(node, ast.IfExp):
        return _dict_keys(node.body, tree) | _dict_keys(node.orelse, tree)
    keys = set[str]()
    if isinstance(node, ast.Name):
        for found in ast.walk(tree):
            if isinstance(found, ast.Assign | ast.AnnAssign | ast.AugAssign):
                targets = found.targets if isinstance(found, ast.Assign) else [found.target]
                if any(getattr(target, "id", None) == node.id for target in targets):
                    keys |= _dict_keys(found.value, tree)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        for found in ast.walk(tree):
            if isinstance(found, ast.FunctionDef) and found.name == node.func.id:
                keys |= {
                    key for ret in ast.walk(found) if isinstance(ret, ast.Return) for key in _dict_keys(ret.value, tree)
                }
    return keys


def details_written() -> tuple[set[str], set[str]]:
    """Every detail key the source hands to the audit log, and every constant value it gives one."""
    keys, values = set[str](), set[str]()
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and _name(node.func) in WRITERS):
                continue
            for keyword in node.keywords:
                if keyword.arg is None or keyword.arg in ("details", "each"):
                    keys |= _dict_keys(keyword.value, tree)
                    continue
                if keyword.arg in NOT_DETAILS:
                    continue
                keys.add(keyword.arg)
                given = keyword.value
                for choice in [given.body, given.orelse] if isinstance(given, ast.IfExp) else [given]:
                    if isinstance(choice, ast.Constant) and isinstance(choice.value, str) and choice.value:
                        values.add(choice.value)
    return keys, values


def _subclasses(kind: type[DomainError]) -> set[type[DomainError]]:
    found = {kind}
    for direct in kind.__subclasses__():
        found |= _subclasses(direct)
    return found


def codes_written_as_values() -> set[str]:
    """Values written from variables: the domain's refusals (`why`, `reason`, `outcome` hold their codes), a
    link's state, a report's kind, a message's kind, a posting's results, the channels, the documents."""
    for path in PACKAGE.rglob("*.py"):  # each module giving an error its code, imported: its classes are known
        if "migrations" not in path.parts and re.search(r'^\s+code = "', path.read_text(), re.MULTILINE):
            importlib.import_module(".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts))
    codes = {error.code for error in _subclasses(DomainError)}
    enums: list[type[Enum]] = [LinkStatus, ReportKind, MessageKind, Result, ConsentChannel, IdentityDocument]
    channels = {"app", "internal", "campaign"}  # Client.channel, written by log.record (api/, the campaign command)
    steps = {"identity", "code_forgot"}  # captcha_pass(step=…), written with captcha_refused
    return codes | {str(member.value) for enum in enums for member in enum} | channels | steps


def test_the_scan_sees_the_details_of_the_source():
    keys, values = details_written()
    assert {"staff", "reason", "why", "requested_by", "told", "known_device", "sender_service", "consent_at"} <= keys
    assert {"person_not_opened", "attack_mode_network", "messages_post", "replayed"} <= values
    assert {"restart_identity_not_checked", "replaced", "carte_identite", "normal"} <= codes_written_as_values()


def test_every_detail_key_written_has_a_french_label_R_SUP4():
    """Issue 23, point 10: « requested by », « request : 1 », « told » were the keys themselves."""
    keys, _ = details_written()
    assert sorted(keys - DETAIL_LABELS.keys()) == []


def test_every_code_written_as_a_value_is_said_in_words_R_SUP4():
    """Issue 23, point 10: « état : replaced », « pièce d'identité : carte_identite », « raison du refus :
    restart_identity_not_checked », « type : normal »."""
    _, constants = details_written()
    french = {"oui", "non"}  # written in words already (support_attack_mode_on: changed)
    codes = {value for value in constants if CODE.match(value)} - french | codes_written_as_values()
    assert sorted(codes - VALUE_LABELS.keys()) == []


def test_a_restart_s_details_and_a_message_s_are_said_in_words():
    restart = {"staff": "sup.martin", "requested_by": "sup.durand", "request": "1", "app_sessions_ended": "2"}
    restart |= {"consents_withdrawn": "0", "told": "c•••••e@orange.fr", "document": "carte_identite"}
    assert details_in_words(restart) == [
        ("par", "sup.martin"),
        ("demandée par", "sup.durand"),
        ("demande n°", "1"),
        ("sessions de l'application fermées", "2"),
        ("consentements retirés", "0"),
        ("personne prévenue à", "c•••••e@orange.fr"),
        ("pièce d'identité", "carte nationale d'identité"),
    ]
    posted = {"kind": "normal", "sender_service": "service", "channel": "campaign", "counts": {"posted": 3}}
    assert details_in_words(posted) == [
        ("type", "message"),
        ("service expéditeur", "service"),
        ("canal", "campagne"),
        ("résultats", "déposés : 3"),
    ]
    assert details_in_words({"why": "restart_identity_not_checked", "something_new": "x"}) == [
        ("raison du refus", "identité non vérifiée en présence de la personne"),
        ("détail", "x"),
    ]
    assert "sender_service" in AS_WRITTEN  # a service named « normal » stays its name
