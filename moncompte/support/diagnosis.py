"""R-SUP4: the seed's checklist for « Je n'ai pas reçu l'email », evaluated for one person. Each finding says
what was seen and what to tell the person; the one that explains the situation comes first (issue 23, point 10:
never a verdict the facts do not support): the address forgotten, then the link expired or replaced, then an
address that cannot work, then a refusal by the recipient's side, then what filters or hides the email."""

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
# Findings that say no email reaches the address: then looking for it in the spams or the filters is no advice.
ADDRESS_CANNOT_WORK = frozenset({"domaine_sans_messagerie", "envoi_refuse"})

MailServers = Callable[[str], MailServersSeen | None]  # domain -> the DNS's recent answer (None: not known)


@dataclass(frozen=True)
class Finding:
    rule: str  # stable name, as in the tests
    seen: str
    say: str


def diagnose(file: PersonFile, *, now: datetime, mail_servers: MailServers) -> list[Finding]:
    forgotten = _forgotten(file)
    if forgotten is None and file.pending_address is None:
        return []  # nothing awaits confirmation (an address confirmed, or none given): no link to troubleshoot
    address = file.latest_link.address if file.latest_link else (file.pending_address or file.confirmed_address)
    address = address if isinstance(address, str) else (address.address if address else "")
    domain = address.rpartition("@")[2].lower()
    cannot_work = [
        finding
        for finding in (
            None if _confirmed(address, file) else _domain_typo(domain),
            _no_mail_servers(address, file, mail_servers),
            _refused(file),
        )
        if finding is not None
    ]
    if forgotten is not None:  # no link left to look for: what the old address was worth, for the next one
        return [forgotten, *cannot_work]
    lifetime = [finding for finding in (_expired(file, now=now), _old_link_opened(file)) if finding is not None]
    hidden = [_opened_not_confirmed(file)]
    if not any(finding.rule in ADDRESS_CANNOT_WORK for finding in cannot_work):  # no mail arrives to be looked for
        hidden += [_delivered(file), _provider_filters(domain), _outlook(domain)]
    return [*lifetime, *cannot_work, *(finding for finding in hidden if finding is not None)]


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
    """What the outbox knows: our relay accepted the email (its 250), and only when the recipient's side sends a
    delivery report, that it reached the mailbox."""
    email = _last_confirmation(file)
    if email is None or email.status != EmailStatus.SENT or email.sent_at is None:
        return None
    reports = list(email.reports.all())
    delivered = next((r for r in reversed(reports) if r.kind == ReportKind.DELIVERED), None)
    if reports and delivered is None:
        return None  # refused (said above), delayed or complained of: the table of the email says it
    subject = f"Votre {service_terms().service_name} - Confirmation de votre adresse mail"
    seen = (
        f"Le dernier courriel de confirmation a été remis à la messagerie du destinataire le "
        f"{localtime(delivered.received_at):%d/%m/%Y à %H:%M} (avis de remise de son serveur)."
        if delivered
        else f"Le dernier courriel de confirmation a été accepté par notre serveur d'envoi le "
        f"{localtime(email.sent_at):%d/%m/%Y à %H:%M} ; aucune erreur n'est revenue depuis (la messagerie du "
        "destinataire ne dit pas toujours qu'elle l'a remis)."
    )
    return Finding(
        "courriels_indesirables",
        seen,
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
    """A link opened while it was valid and never confirmed; opened only after it expired, it is no sign of a
    scanner (the page said the link no longer works: _expired says it)."""
    link = file.links[0] if file.links else None
    if link is None or link.used_at is not None or not link.opens or link.first_opened_at is None:
        return None
    if link.first_opened_at >= link.sent_at + conf().email_link_lifetime:
        return None
    by_a_machine = link.first_opened_at - link.sent_at < SCANNER_DELAY
    return Finding(
        "lien_bloque",
        f"Le dernier lien a été ouvert sans être confirmé, la première fois le "
        f"{localtime(link.first_opened_at):%d/%m/%Y à %H:%M}, quand il était valable"
        + (", moins de 2 minutes après l'envoi (sans doute un antivirus ou la messagerie)." if by_a_machine else "."),
        "Un antivirus qui ouvre le lien ne confirme rien ; dans un navigateur, la page confirme d'elle-même (sans "
        "JavaScript, la personne clique sur « Confirmer mon email ») : faites ouvrir le lien le plus récent.",
    )


def _forgotten(file: PersonFile) -> Finding | None:
    """R-EM7: past 21 days the unconfirmed address is no longer kept; the person gives one again, signed in."""
    if file.forgotten_at is None:
        return None
    terms = service_terms()
    kept = (
        f" L'adresse confirmée ({file.confirmed_address.address}) reste celle du compte."
        if file.confirmed_address
        else ""
    )
    return Finding(
        "adresse_oubliee",
        f"L'adresse non confirmée n'est plus mémorisée depuis le {localtime(file.forgotten_at):%d/%m/%Y} : "
        f"son dernier lien avait plus de {terms.forget_after} sans confirmation. Aucun lien ne peut plus y être "
        "renvoyé." + kept,
        "La personne se connecte avec son numéro de sécurité sociale et son code personnel (ou « Code oublié ? ») ; "
        "le site lui demande une adresse email valide et un nouveau lien y est envoyé, à confirmer dans les "
        f"{terms.link_lifetime}.",
    )


def _expired(file: PersonFile, *, now: datetime) -> Finding | None:
    """R-EM6: between 7 and 21 days, the latest link no longer works; the desk can send it again to the same
    address, and only the person, signed in, can give another (R-BOT2)."""
    link = file.links[0] if file.links else None
    if link is None or link.used_at is not None or window_at(link.sent_at, now) is not Window.EXPIRED:
        return None
    terms, expired_at = service_terms(), link.sent_at + conf().email_link_lifetime
    opened_late = link.first_opened_at is not None and link.first_opened_at >= expired_at
    return Finding(
        "lien_expire",
        f"Le dernier lien, envoyé le {localtime(link.sent_at):%d/%m/%Y à %H:%M}, ne fonctionne plus depuis le "
        f"{localtime(expired_at):%d/%m/%Y à %H:%M} (plus de {terms.link_lifetime})."
        + (
            f" Il a été ouvert le {localtime(link.first_opened_at):%d/%m/%Y à %H:%M}, après cette date : la page a "
            "dit que le lien n'était plus actif."
            if opened_late and link.first_opened_at is not None
            else ""
        ),
        "Vous pouvez renvoyer le lien à la même adresse (action « Renvoyer le lien » ci-dessous) : il sera valable "
        f"{terms.link_lifetime}. Pour une autre adresse, " + PERSON_CHANGES_IT,
    )
