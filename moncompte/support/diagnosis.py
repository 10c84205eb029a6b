"""R-SUP4: the seed's checklist for « Je n'ai pas reçu l'email », evaluated for one person. Each finding says
what was seen and what to tell the person, in the checklist's order."""

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.timezone import localtime

from moncompte.accounts.emails import Window, canonical, window_at
from moncompte.core.conf import conf
from moncompte.core.service_terms import service_terms
from moncompte.outbox.models import EmailStatus, OutboundEmail
from moncompte.outbox.providers import PROVIDERS
from moncompte.outbox.reports import ReportKind
from moncompte.support.mail_servers import PROVIDER_DOMAINS, MailServersSeen
from moncompte.support.person_file import PersonFile

KNOWN_DOMAINS = sorted(PROVIDER_DOMAINS)
# R-BOT2: once a personal code exists, the desk sets no address; the person gives it, signed in with her code.
PERSON_CHANGES_IT = (
    "la personne se connecte avec son numéro de sécurité sociale et son code personnel (ou « Code oublié ? ») "
    "et saisit elle-même la bonne adresse : un lien y part."
)
# A link opened this soon after it was sent, and never confirmed, was most likely opened by a machine.
SCANNER_DELAY = timedelta(minutes=2)

# The seed's list for « Je n'ai pas reçu l'email », in its order: what to go through with the person, whatever
# the findings above it say.
CHECKLIST = (
    "L'adresse est exacte : faites-la épeler.",
    "Le courriel n'est pas dans les courriels indésirables (spams, « Courrier indésirable »).",
    "Le courriel n'arrive pas non plus à une autre adresse, créée chez le même fournisseur ou chez un autre.",
    "Messagerie Outlook : Outlook peut s'utiliser sans passer par le logiciel du fournisseur d'accès ; faites "
    "regarder la messagerie en ligne elle-même, dossier « Courrier indésirable » compris. En cas de doute, la "
    "personne se rapproche de son fournisseur d'accès pour savoir comment.",
    "Les paramètres de la messagerie ne suppriment pas le courriel d'eux-mêmes (chez Orange, une liste rouge "
    "supprime parfois les courriels contenant le mot « confirmation »).",
    "Un antivirus, le logiciel de messagerie ou le fournisseur de l'adresse ne bloque pas le courriel ou son lien.",
    "La personne clique sur le lien du courriel de confirmation le plus récent, pas sur celui d'un ancien.",
)
OUTLOOK_DOMAINS = frozenset(PROVIDERS["outlook"])

MailServers = Callable[[str], MailServersSeen | None]  # domain -> the DNS's recent answer (None: not known)


@dataclass(frozen=True)
class Finding:
    rule: str  # stable name, as in the tests
    seen: str
    say: str


def diagnose(file: PersonFile, *, now: datetime, mail_servers: MailServers) -> list[Finding]:
    address = file.latest_link.address if file.latest_link else (file.pending_address or file.confirmed_address)
    address = address if isinstance(address, str) else (address.address if address else "")
    domain = address.rpartition("@")[2].lower()
    checks = [
        None if _confirmed(address, file) else _domain_typo(domain),
        _no_mail_servers(address, file, mail_servers),
        _refused(file),
        _delivered(file),
        _provider_filters(domain),
        _outlook(domain),
        _old_link_opened(file),
        _opened_not_confirmed(file),
        _window(file, now=now),
    ]
    return [finding for finding in checks if finding is not None]


def _domain_typo(domain: str) -> Finding | None:
    if not domain or domain in KNOWN_DOMAINS:
        return None
    close = difflib.get_close_matches(domain, KNOWN_DOMAINS, n=1, cutoff=0.8)
    if not close:
        return None
    return Finding(
        "adresse_exacte",
        f"Le domaine « {domain} » ressemble à « {close[0]} ».",
        "Faites épeler l'adresse ; si elle est fausse, " + PERSON_CHANGES_IT,
    )


def _no_mail_servers(address: str, file: PersonFile, mail_servers: MailServers) -> Finding | None:
    """Said only on the DNS's own answer, recent, for an address that never proved it works: a confirmed
    address received its link, whatever the DNS says (or fails to say) now."""
    domain = address.rpartition("@")[2].lower()
    if not domain or domain in KNOWN_DOMAINS or _confirmed(address, file):
        return None
    seen = mail_servers(domain)
    if seen is None or seen.receives_mail is not False:
        return None  # has servers, or not known (not asked yet, offline): nothing to say
    return Finding(
        "domaine_sans_messagerie",
        f"Le domaine « {domain} » ne reçoit pas de courriel : aucun serveur de messagerie n'y est déclaré "
        f"(réponse du DNS le {localtime(seen.checked_at):%d/%m/%Y à %H:%M}).",
        "L'adresse ne peut pas fonctionner : " + PERSON_CHANGES_IT,
    )


def _confirmed(address: str, file: PersonFile) -> bool:
    confirmed = file.confirmed_address
    return confirmed is not None and confirmed.canonical == canonical(address)


def _last_confirmation(file: PersonFile) -> OutboundEmail | None:
    return next((e for e in file.emails if e.template == "email_confirmation"), None)


def _refused(file: PersonFile) -> Finding | None:
    email = _last_confirmation(file)
    if email is None:
        return None
    reports = [r for r in email.reports.all() if r.kind in (ReportKind.HARD, ReportKind.REFUSED)]
    if not reports and email.status != EmailStatus.FAILED:
        return None
    said = reports[-1].diagnostic if reports else email.delivery_attempts.all().reverse()[0].smtp_reply
    return Finding(
        "envoi_refuse",
        f"Le dernier courriel de confirmation a été refusé par la messagerie du destinataire : {said}",
        "Proposez une autre adresse, chez le même fournisseur ou un autre : " + PERSON_CHANGES_IT,
    )


def _delivered(file: PersonFile) -> Finding | None:
    email = _last_confirmation(file)
    if email is None or email.status != EmailStatus.SENT or email.reports.exists():
        return None
    subject = f"Votre {service_terms().service_name} - Confirmation de votre adresse mail"
    return Finding(
        "courriels_indesirables",
        f"Le dernier courriel de confirmation a été remis à la messagerie le "
        f"{localtime(email.sent_at):%d/%m/%Y à %H:%M}.",
        f"Faites regarder les courriels indésirables (spams), et chercher l'objet « {subject} » et l'expéditeur "
        f"« {conf().from_name} », y compris dans les fils de discussion.",
    )


def _provider_filters(domain: str) -> Finding | None:
    if domain not in conf().support_filtering_domains:
        return None
    return Finding(
        "fournisseur_filtrant",
        f"« {domain} » filtre parfois nos courriels : chez Orange, une liste rouge supprime automatiquement des "
        "courriels contenant le mot « confirmation ».",
        "Faites vérifier les règles de tri de la messagerie ; sinon, proposez une adresse chez un autre fournisseur.",
    )


def _outlook(domain: str) -> Finding | None:
    if domain not in OUTLOOK_DOMAINS:
        return None
    return Finding(
        "messagerie_outlook",
        f"« {domain} » est une messagerie Outlook (Microsoft).",
        "Faites regarder le dossier « Courrier indésirable » d'Outlook, sur outlook.com dans un navigateur si la "
        "personne lit d'habitude ses courriels dans un logiciel ou une application : Outlook s'utilise sans passer "
        "par eux.",
    )


def _old_link_opened(file: PersonFile) -> Finding | None:
    if len(file.links) < 2:
        return None
    latest = file.links[0]
    late = [link for link in file.links[1:] if link.first_opened_at and link.first_opened_at > latest.sent_at]
    if not late:
        return None
    return Finding(
        "ancien_lien",
        f"Un ancien lien a été ouvert après l'envoi du plus récent (le {localtime(latest.sent_at):%d/%m/%Y à %H:%M}).",
        "Seul le lien du courriel le plus récent fonctionne : faites chercher le dernier courriel de confirmation.",
    )


def _opened_not_confirmed(file: PersonFile) -> Finding | None:
    link = file.links[0] if file.links else None
    if link is None or link.used_at is not None or not link.opens or link.first_opened_at is None:
        return None
    by_a_machine = link.first_opened_at - link.sent_at < SCANNER_DELAY
    return Finding(
        "lien_bloque",
        f"Le dernier lien a été ouvert {link.opens} fois sans être confirmé"
        + (
            ", la première fois moins de 2 minutes après l'envoi (sans doute un antivirus ou la messagerie)."
            if by_a_machine
            else "."
        ),
        "Un antivirus qui ouvre le lien ne confirme rien ; dans un navigateur, la page confirme d'elle-même (sans "
        "JavaScript, la personne clique sur « Confirmer mon email ») : faites ouvrir le lien le plus récent.",
    )


def _window(file: PersonFile, *, now: datetime) -> Finding | None:
    link = file.links[0] if file.links else None
    if link is None or link.used_at is not None:
        return None
    window, terms = window_at(link.sent_at, now), service_terms()
    if window is Window.EXPIRED:
        return Finding(
            "lien_expire",
            f"Le dernier lien a plus de {terms.link_lifetime}.",
            "Renvoyez le lien (même adresse ou une autre).",
        )
    if window is Window.FORGOTTEN:
        return Finding(
            "adresse_oubliee",
            f"Le dernier lien a plus de {terms.forget_after} : l'adresse n'est plus mémorisée.",
            "À sa prochaine connexion, avec son code personnel, la personne saisit une nouvelle adresse.",
        )
    return None
