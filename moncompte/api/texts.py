"""The French texts of the app's OpenAPI document that are longer than a line or shared by several schemas: the
guide on the document's first page, its tags, what each typed input accepts, and the proof of work (R-CAP6).
Written for an app developer outside the project: no rule IDs here (tests/api/test_openapi_document.py), and no
figure a setting decides unless it is read from the settings when the document is made. Then the few refusals the
app is told in other words than the web's page (IN_THE_APP), where the page's speak of what only a page does."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from moncompte.accounts import inputs
from moncompte.accounts.consents import QUESTION_EMAIL
from moncompte.accounts.inputs import Entry
from moncompte.accounts.password_policy import SPECIALS
from moncompte.captcha.errors import CaptchaExpired, CaptchaWrong, WorkOutdated, WorkRefused
from moncompte.core.conf import conf
from moncompte.core.service_terms import service_terms

GUIDE: Final = """\
L'API du compte ameli pour l'application ameli : créer son compte (la première visite), se connecter, gérer son \
compte et lire « Ma messagerie ». Chaque saisie y est lue par les mêmes règles que sur le site, et refusée avec \
le même message en français.

## La première visite, pas à pas

1. `POST /captcha` : un défi anti-robot (une image et sa version audio) et le défi de preuve de travail qui va \
avec (`work`, à résoudre par l'application : voir `captcha_work`).
2. `POST /enrollment/identity` : NIR, date de naissance, code postal, adresse email et la réponse au défi ; un \
code provisoire part par email.
3. `POST /sessions` avec le NIR et ce code provisoire : un jeton restreint (`scope` = `choose_personal_code`). \
Le code provisoire ne sert qu'une fois : se déconnecter avant l'étape 4 (`DELETE /sessions/current`) oblige à en \
demander un nouveau (`POST /code-forgot`) ; l'application le dit à la personne avant de la déconnecter.
4. `POST /personal-code` avec ce jeton : le code personnel choisi ; la réponse donne une paire de jetons \
(accès et renouvellement) et `next_step` = `give_contact_details`.
5. `POST /enrollment/contact` : l'adresse email (deux fois), les numéros de téléphone et les consentements ; un \
lien de confirmation part par email.
6. La personne clique sur le lien reçu (une application qui ouvre elle-même ce lien envoie son jeton à \
`POST /email/confirm`). D'ici là, `next_step` vaut `confirm_email` et `message` dit quoi faire ; \
`POST /email/resend` et `POST /email/replace` renvoient le lien.
7. `POST /sessions` avec le code personnel : `next_step` = `account`, le compte est ouvert (`GET /account`…).

« Code oublié ? » (`POST /code-forgot`) envoie un nouveau code provisoire, qui reprend à l'étape 3.

## Jetons

Une opération protégée attend l'en-tête `Authorization: Bearer <access_token>`. Le jeton d'accès vaut \
`expires_in` secondes ; `POST /sessions/refresh` donne alors une nouvelle paire contre le `refresh_token`, qui ne \
sert qu'une fois. Chaque réponse de connexion dit où en est la personne (`next_step`) et ce que le site lui dirait \
à cette étape (`message`). Les jetons sont des secrets : à garder dans le stockage sûr de l'appareil. Aucune \
réponse de l'API n'est à garder en cache : toutes portent l'en-tête `Cache-Control: no-store`.

Un jeton refusé répond 401, avec l'en-tête `WWW-Authenticate: Bearer error="invalid_token"` (`Bearer` seul \
quand aucun jeton n'était présenté). Le `code` dit quoi faire : `token_expired`, le jeton d'accès a seulement \
expiré et la session vaut toujours : renouveler les jetons (`POST /sessions/refresh`) sans rien demander à la \
personne, puis refaire la demande ; `token_refused`, la session n'est plus valable (déconnexion, nouveau code \
personnel, jeton inconnu ou absent, renouvellement refusé) : la personne se connecte de nouveau.

## Erreurs

Une erreur est un document « problem details » (RFC 9457, `application/problem+json`) : un `code` stable, à \
tester dans l'application ; `detail`, le message en français à montrer à la personne (le même que sur le site) ; \
`field`, le champ concerné ; `errors`, chaque saisie refusée quand il y en a plusieurs. Une demande que le document \
ne permet pas (membre absent, de mauvais type, trop long) répond 400 `invalid_input`, et `errors` nomme chaque \
membre en cause, d'un coup. Une limite atteinte \
répond 429 avec l'en-tête `Retry-After` (en secondes). Une opération d'une autre étape que celle où en est le \
compte répond 403 `wrong_step` (ou `account_not_active` pour une opération du compte ouvert, avant son ouverture), \
avec `next_step` : l'étape où mener la personne.
"""

TAGS: Final = [
    {"name": "parcours", "description": "La première visite : défi anti-robot, identité, code personnel, coordonnées."},
    {"name": "session", "description": "Se connecter, renouveler ses jetons, se déconnecter, « Mes appareils »."},
    {"name": "compte", "description": "« Mon compte » : consentements, téléphones, adresse email, code personnel."},
    {"name": "messagerie", "description": "« Ma messagerie » : les messages de l'Assurance Maladie."},
]

WORK_CHALLENGE: Final = (
    "Défi de preuve de travail (protocole ALTCHA, version 1) fait pour ce défi anti-robot : un texte JSON, à "
    "décoder, de cinq membres : `algorithm` (toujours `SHA-256`), `challenge` (l'empreinte cherchée, 64 chiffres "
    "hexadécimaux en minuscules), `maxNumber` (le plus grand nombre à essayer), `salt` (un texte, à prendre tel "
    "quel, `&` final compris) et `signature` (la signature du service). Le calcul et l'envoi : voir "
    "`captcha_work` de `POST /enrollment/identity`."
)

PROOF_OF_WORK: Final = (
    "Preuve de travail (protocole ALTCHA, version 1) pour le défi `work` reçu avec ce défi anti-robot. Calcul : "
    "trouver l'entier `n`, de 0 à `maxNumber`, tel que l'empreinte SHA-256 du texte `salt` suivi de `n` écrit en "
    "décimal (sans séparateur, encodé en UTF-8), écrite en hexadécimal minuscule, soit égale à `challenge` ; il "
    "faut en moyenne `maxNumber` / 2 essais. Envoi : l'objet JSON "
    '`{"algorithm": …, "challenge": …, "number": n, "salt": …, "signature": …}` (ces cinq membres exactement, '
    "`number` en nombre entier JSON, les quatre autres recopiés de `work` sans changement) encodé en base64 "
    "standard (RFC 4648, alphabet `+/`, avec le remplissage `=`). C'est le format des bibliothèques ALTCHA "
    "(`solveChallenge`). Une preuve vaut pour ce défi seulement, depuis le client (l'adresse IP) qui l'a demandé, "
    "une seule fois, jusqu'à l'expiration du défi. Refusée : `captcha_work_refused`, qui compte comme une mauvaise "
    "réponse ; faite avant de nouvelles mauvaises réponses de ce client, et devenue trop facile : "
    "`captcha_work_outdated`, qui ne compte pas ; dans les deux cas, demander un nouveau défi. Vide ou absente : "
    "pas de preuve, et la réponse est acceptée sous une limite plus stricte (un petit nombre de réponses sans "
    "preuve par heure et par client)."
)

DEVICE_IN: Final = (
    "Le `device_token` que ce service a donné à cette application à une connexion précédente, s'il y en a un (vide "
    "sinon) : les essais d'un appareil de confiance sont comptés à part de ceux des autres clients de la même "
    "adresse IP."
)

# R-LIM8: given with a personal code; sent back with « Code oublié ? », it gets a code past the caps that others use
# up. Kept by the app as a secret; a new personal code ends it and gives another.
DEVICE_OUT: Final = (
    "Le jeton d'appareil de confiance, donné à une connexion avec le code personnel (`POST /sessions`), au premier "
    "choix du code personnel (`POST /personal-code`, le même si la même requête est renvoyée) et à son changement "
    "(`POST /account/personal-code`) ; null sinon. Un secret, à garder et à renvoyer avec `POST /sessions` et "
    "`POST /code-forgot` : les essais de l'appareil sont comptés à part, et « Code oublié ? » lui envoie un code "
    "même quand d'autres ont épuisé les limites de la personne. Un nouveau code personnel le remplace."
)

EMAIL_RULES: Final = "Pas de lettre accentuée avant le @ ; un nom de domaine accentué est accepté."
PHONE_CONSENT: Final = (
    "true (oui) ou false (non), un booléen JSON. La question n'est posée qu'avec le numéro : avec lui, null ou "
    "absent est refusé (`consent_missing`) ; sans lui, la réponse n'est pas lue."
)
CONSENT_EMAIL: Final = (
    f"Réponse à la question « {QUESTION_EMAIL} » : true (oui) ou false (non), un booléen JSON. Toujours posée : "
    "null ou absent est refusé (`consent_missing`)."
)


def _personal_code() -> str:
    """R-PW1..6, R-PW10, with the lengths of this service's settings."""
    least, most = conf().personal_code_min_length, conf().personal_code_max_length
    return (
        f"Le code personnel choisi, tel que saisi. De {least} à {most} caractères : lettres latines sans accent, "
        f"chiffres et ces caractères spéciaux : {' '.join(SPECIALS)} (rien d'autre, pas d'espace) ; au moins une "
        "minuscule et une majuscule, et au moins un chiffre ou un caractère spécial ; ni le numéro de sécurité "
        "sociale ni 6 de ses caractères qui se suivent ; ni la date de naissance ni une partie de celle-ci "
        "(JJMMAAAA, AAAAMMJJ, JJMMAA, MMAAAA, JJMM, AAAA…) ; pas un des codes les plus courants. Un refus dit la "
        "règle qui n'est pas respectée."
    )


# What each typed input accepts (a text, or a function of the settings for a text that names one); `common.typed`
# adds the label the web's page gives the field.
INPUTS: Final[Mapping[Entry, str | Callable[[], str]]] = {
    inputs.NIR: "Numéro de sécurité sociale (NIR) : 13 caractères, ou 15 avec la clé ; espaces et points ignorés "
    "(« 2 84 05 88 321 025 32 », comme sur la carte Vitale, ou « 284058832102532 »). Le numéro définitif "
    "seulement, qui commence par 1 ou 2 ; 2A ou 2B pour un département de naissance en Corse.",
    inputs.BIRTH_DATE: "Date de naissance, au format JJ/MM/AAAA (« 03/05/1984 » ; aussi avec des tirets, des "
    "points, des espaces ou sans séparateur : « 03-05-1984 », « 03051984 ») ou au format ISO 8601 AAAA-MM-JJ "
    "(« 1984-05-03 »). Ni avant 1900 ni après aujourd'hui ; l'année, et le mois quand le NIR le donne, sont ceux "
    "du NIR (ses chiffres 2-3 et 4-5).",
    inputs.POSTAL_CODE: "Code postal de l'adresse que l'Assurance Maladie connaît : 5 chiffres, espaces ignorés "
    "(« 88100 » ou « 88 100 »).",
    inputs.EMAIL_FOR_CODE: f"Adresse email où envoyer le code provisoire. {EMAIL_RULES}",
    inputs.CAPTCHA_ANSWER: "Réponse au défi anti-robot : les caractères de l'image, ou les nombres que dit le son "
    "écrits en chiffres ; majuscules, minuscules et espaces ne comptent pas. L'image et le son ont chacun leur "
    "réponse : l'une ou l'autre est acceptée, une seule fois. Vide, le défi est refusé (`captcha_missing`).",
    inputs.SIGN_IN_CODE: "Le code provisoire reçu par email, ou le code personnel, tel que saisi (les espaces "
    "comptent). Le code provisoire ouvre une session restreinte, qui ne permet que de choisir le code personnel.",
    inputs.PASSWORD: _personal_code,
    inputs.CONFIRMATION: "Le même code personnel, saisi une deuxième fois : strictement identique à `password`.",
    inputs.CURRENT_PASSWORD: "Le code personnel actuel, tel que saisi, vérifié avant le changement (des erreurs "
    "répétées suspendent un moment les changements, comme la connexion).",
    inputs.CURRENT_PASSWORD_FOR_EMAIL: "Le code personnel actuel, tel que saisi : un changement d'adresse le "
    "demande (des erreurs répétées le suspendent un moment, comme la connexion).",
    inputs.EMAIL: f"Adresse email de la personne, à laquelle part un lien de confirmation. {EMAIL_RULES}",
    inputs.EMAIL_CONFIRMATION: "La même adresse, saisie une deuxième fois (majuscules et minuscules indifférentes) ; "
    "sinon, refus `emails_differ`.",
    inputs.MOBILE: "Numéro de téléphone portable français (outre-mer compris), vide pour aucun : « 06 12 34 56 78 », "
    "« 0612345678 » ou « +33 6 12 34 56 78 ». Donné, il demande une réponse à `consent_mobile_call` et "
    "`consent_mobile_sms`.",
    inputs.LANDLINE: "Numéro de téléphone fixe français (commençant par 01 à 05 ou 09, outre-mer compris), vide pour "
    "aucun : « 01 23 45 67 89 » ou « +33 1 23 45 67 89 ». Donné, il demande une réponse à `consent_landline_call`.",
}


def input_text(entry: Entry) -> str:
    """What the document says of a typed input: what it accepts, then the label the web's page gives it."""
    text = INPUTS[entry]
    return f"{text() if callable(text) else text} Libellé sur le site : « {entry.label} »."


@dataclass(frozen=True)
class Worded:
    """A refusal as the app's API words it: its message (a function, as it may name a setting) and its field."""

    message: Callable[[], str]
    field: str | None


# The web's page draws a new CAPTCHA after a wrong, expired or refused answer and says « Un nouveau code vous est
# proposé »; the API proposes nothing (the app asks POST /captcha), and the proof of work is the app's, in its own
# member. Same codes; the page keeps its words (captcha/errors.py).
NEW_CHALLENGE: Final = "essayez avec un nouveau code anti-robot."
WORK_REFUSED: Final = Worded(
    lambda: f"La vérification automatique de l'application n'a pas abouti : {NEW_CHALLENGE}", "captcha_work"
)
IN_THE_APP: Final[Mapping[str, Worded]] = {
    CaptchaWrong.code: Worded(
        lambda: f"Les caractères saisis ne correspondent ni à l'image ni au son : {NEW_CHALLENGE}", "captcha_answer"
    ),
    CaptchaExpired.code: Worded(
        lambda: (
            f"Le code anti-robot a expiré (il est valable {service_terms().captcha_lifetime}) ou a déjà servi : "
            f"{NEW_CHALLENGE}"
        ),
        "captcha_answer",
    ),
    WorkRefused.code: WORK_REFUSED,
    WorkOutdated.code: WORK_REFUSED,
}


def app_wording(*, code: str, message: str, field: str | None) -> tuple[str, str | None]:
    """The message and field the app's API says for a refusal of this code (the web's, for nearly all)."""
    worded = IN_THE_APP.get(code)
    return (message, field) if worded is None else (worded.message(), worded.field)
