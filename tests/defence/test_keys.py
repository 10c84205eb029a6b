"""R-BOT1: what the velocity signals count by: a network, an email domain, a département; never a person."""

import pytest

from moncompte.defence.keys import DEPARTEMENT, DOMAIN, GLOBAL, NETWORK, departement_of, domain_of, signal_keys


@pytest.mark.parametrize(
    ("postal_code", "departement"),
    [
        ("75011", "75"),
        ("01000", "01"),
        (" 88 100 ", "88"),
        ("20000", "2A"),  # Ajaccio
        ("20167", "2A"),
        ("20200", "2B"),  # Bastia
        ("20600", "2B"),
        ("97110", "971"),  # Guadeloupe
        ("97200", "972"),
        ("97300", "973"),
        ("97400", "974"),  # La Réunion
        ("97600", "976"),  # Mayotte
        ("98800", "988"),
        ("7501", "?"),
        ("75O11", "?"),
        ("", "?"),
        ("７５０１１", "?"),  # full-width digits are not ASCII digits
    ],
)
def test_r_bot1_the_departement_is_read_from_the_postal_code(postal_code, departement):
    assert departement_of(postal_code) == departement


@pytest.mark.parametrize(
    ("email", "domain"),
    [
        ("Camille@Example.FR", "example.fr"),
        ("a@b@gmail.com", "gmail.com"),
        ("x@laposte.net.", "laposte.net"),
        ("nope", "?"),
    ],
)
def test_r_bot1_the_email_domain_is_lower_cased(email, domain):
    assert domain_of(email) == domain


def test_r_bot1_an_event_counts_globally_per_network_domain_and_departement(settings):
    keys = signal_keys(address="203.0.113.7", email="camille@example.fr", postal_code="20200")
    assert dict(keys) == {GLOBAL: "", NETWORK: "203.0.113.0/24", DOMAIN: "example.fr", DEPARTEMENT: "2B"}
    ipv6 = dict(signal_keys(address="2001:db8:1:2::5", email="", postal_code=""))
    assert ipv6[NETWORK] == "2001:db8:1::/48"
