"""R-BOT1: what a velocity signal is counted by. Never a person: a network, an email domain, a département."""

from moncompte.core.client import network_of

GLOBAL = "global"
NETWORK = "network"
DOMAIN = "domain"
DEPARTEMENT = "departement"
SCOPES = (GLOBAL, NETWORK, DOMAIN, DEPARTEMENT)

# The two signals: the identity step passed (a provisional code sent), and an account created. "Created" is
# the personal code chosen for the first time: from then on the account is someone's (the person who comes
# later meets « un compte existe déjà »), whereas a provisional account is still taken back by the identity
# step.
IDENTITY = "identity"
ACCOUNT = "account"
SIGNALS = (IDENTITY, ACCOUNT)
SIGNAL_WORDS = {IDENTITY: "identités vérifiées", ACCOUNT: "comptes créés"}
SCOPE_WORDS = {GLOBAL: "au total", NETWORK: "réseau", DOMAIN: "domaine", DEPARTEMENT: "département"}

KEY_LENGTH = 64  # the column's width


def departement_of(postal_code: str) -> str:
    """The département of a French postal code: its 2 first digits; Corsica's 20xxx split into 2A (200xx,
    201xx) and 2B (202xx to 206xx); overseas (97x, 98x) by their 3 first digits (971 Guadeloupe, 974 La
    Réunion, 976 Mayotte, 988 Nouvelle-Calédonie…). Anything else is "?" (one key for every odd value)."""
    value = postal_code.strip().replace(" ", "")
    if len(value) != 5 or not value.isascii() or not value.isdigit():
        return "?"
    if value.startswith("20"):
        return "2A" if value[2] in "01" else "2B"
    if value[:2] in ("97", "98"):
        return value[:3]
    return value[:2]


def domain_of(email: str) -> str:
    """The domain of an address, lower-cased (the part after the last @); "?" when there is none."""
    _, at, domain = email.strip().rpartition("@")
    return domain.lower().rstrip(".")[:KEY_LENGTH] if at and domain else "?"


def signal_keys(*, address: str, email: str, postal_code: str) -> list[tuple[str, str]]:
    """The (scope, key) pairs one event counts for, in a stable order (rows are locked in that order)."""
    return [
        (DEPARTEMENT, departement_of(postal_code)),
        (DOMAIN, domain_of(email)),
        (GLOBAL, ""),
        (NETWORK, network_of(address)[:KEY_LENGTH] or "?"),
    ]
