"""R-SUP4: the DNS is asked about a domain's mail servers by the worker, never while a desk page waits; its
answer is stored with its time, believed for a while, and asked again when it could not be had
(tests/dns_server.py answers, on 127.0.0.1)."""

from dataclasses import replace
from datetime import datetime, timedelta

import dns.resolver
import pytest
from django.urls import reverse

from moncompte.support.mail_servers import _resolver, domain_has_mail_servers, mail_domains_check, mail_servers_seen
from moncompte.support.models import MailDomain
from tests import factories

pytestmark = [pytest.mark.django_db]
REASON = "appel de l'assurée, lien non reçu"


def said(domain: str, now: datetime) -> tuple[bool | None, datetime] | None:
    """What the desk reads of the DNS's answer on `domain`: (receives mail, when asked), or None."""
    seen = mail_servers_seen(domain, now=now)
    return None if seen is None else (seen.receives_mail, seen.checked_at)


def test_the_dns_says_whether_a_domain_receives_mail_R_SUP4():
    assert domain_has_mail_servers("entreprise.fr") is True
    assert domain_has_mail_servers("sans-mx.entreprise.fr") is True  # no MX: the domain's own address (RFC 5321)
    assert domain_has_mail_servers("ipv6-seule.entreprise.fr") is True  # its address may be an IPv6 one only
    assert domain_has_mail_servers("inexistant.fr") is False
    assert domain_has_mail_servers("null-mx.entreprise.fr") is False  # RFC 7505: takes no mail
    assert domain_has_mail_servers("sans-rien.entreprise.fr") is False


def test_a_dns_that_fails_or_keeps_silent_tells_nothing(settings):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, support_dns_timeout_seconds=1)
    assert domain_has_mail_servers("panne.entreprise.fr") is None
    assert domain_has_mail_servers("muet.entreprise.fr") is None


def test_the_worker_asks_about_the_domains_of_addresses_waiting_for_their_link(code_sent, now, traveller):
    factories.with_link_sent(code_sent, now, "camille@inexistant.fr")
    assert mail_domains_check(now=now) == 1
    assert said("inexistant.fr", now) == (False, now)
    assert mail_domains_check(now=now + timedelta(minutes=1)) == 0  # known: not asked again


def test_the_big_providers_are_never_asked_about(code_sent, now, traveller, dns_server):
    factories.with_link_sent(code_sent, now, "camille@gmail.com")
    asked = len(dns_server.asked)
    assert mail_domains_check(now=now) == 0
    assert mail_servers_seen("gmail.com", now=now) is None
    assert len(dns_server.asked) == asked
    assert not MailDomain.objects.exists()


def test_the_desk_page_asks_no_dns_question_and_says_the_stored_answer(
    agent_client, code_sent, now, traveller, dns_server
):
    account = factories.with_link_sent(code_sent, now, "camille@inexistant.fr").account
    asked = len(dns_server.asked)
    agent_client.post(reverse("admin:desk_search"), {"q": str(account.pk), "motif": REASON})
    page = agent_client.get(reverse("admin:desk_person", args=[account.pk])).content.decode()
    assert len(dns_server.asked) == asked
    assert 'data-rule="domaine_sans_messagerie"' not in page  # not asked yet: nothing said
    mail_domains_check(now=now)
    page = agent_client.get(reverse("admin:desk_person", args=[account.pk])).content.decode()
    assert 'data-rule="domaine_sans_messagerie"' in page
    assert "réponse du DNS le 02/03/2026 à 10:00" in page


def test_a_domain_the_desk_opened_is_asked_about_at_the_next_round(now):
    assert mail_servers_seen("entreprise.fr", now=now) is None  # nobody asked yet: wanted
    assert mail_domains_check(now=now) == 1
    assert said("entreprise.fr", now) == (True, now)


def test_an_answer_the_dns_could_not_give_is_asked_again_ten_minutes_later(now):
    mail_servers_seen("muet.entreprise.fr", now=now)
    mail_domains_check(now=now, lookup=lambda domain: None)
    assert mail_servers_seen("muet.entreprise.fr", now=now) is None
    assert mail_domains_check(now=now + timedelta(minutes=9), lookup=lambda domain: None) == 0
    assert mail_domains_check(now=now + timedelta(minutes=11), lookup=lambda domain: False) == 1
    assert said("muet.entreprise.fr", now + timedelta(minutes=11)) == (False, now + timedelta(minutes=11))


def test_an_answer_is_believed_for_a_week_then_asked_again_if_wanted(now):
    mail_servers_seen("entreprise.fr", now=now)
    mail_domains_check(now=now, lookup=lambda domain: False)
    later = now + timedelta(days=7, minutes=1)
    assert mail_domains_check(now=later) == 0  # nobody needs it: not asked
    assert mail_servers_seen("entreprise.fr", now=later) is None  # too old to believe: wanted again
    assert mail_domains_check(now=later) == 1
    assert said("entreprise.fr", later) == (True, later)


def test_a_round_asks_a_bounded_number_of_domains_at_once(settings, now):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, support_mail_domains_per_round=3)
    for number in range(5):
        mail_servers_seen(f"entreprise-{number}.fr", now=now)
    assert mail_domains_check(now=now) == 3
    assert mail_domains_check(now=now) == 2


def test_domains_nobody_waits_on_are_forgotten(now):
    mail_servers_seen("entreprise.fr", now=now)
    mail_domains_check(now=now)
    mail_domains_check(now=now + timedelta(days=8))
    assert not MailDomain.objects.exists()


def test_a_domain_still_wanted_is_asked_again_when_its_answer_is_too_old_not_forgotten(now):
    mail_servers_seen("entreprise.fr", now=now)
    mail_domains_check(now=now, lookup=lambda domain: False)
    later = now + timedelta(days=8)
    assert mail_servers_seen("entreprise.fr", now=later) is None  # the desk opened it again: wanted
    assert mail_domains_check(now=later) == 1
    assert said("entreprise.fr", later) == (True, later)


def test_a_domain_wanted_while_the_worker_was_stopped_is_asked_at_its_next_round(now):
    mail_servers_seen("entreprise.fr", now=now)
    later = now + timedelta(days=8)  # never asked: nothing to forget yet
    assert mail_domains_check(now=later) == 1
    assert said("entreprise.fr", later) == (True, later)


def test_a_domain_the_dns_answered_about_is_not_asked_again_while_its_address_waits(code_sent, now, traveller):
    factories.with_link_sent(code_sent, now, "camille@inexistant.fr")
    assert mail_domains_check(now=now) == 1
    assert mail_domains_check(now=now + timedelta(minutes=11)) == 0  # answered: only an unanswered one is retried


def test_an_unanswered_question_nobody_wants_any_more_is_not_asked_again(now):
    mail_servers_seen("muet.entreprise.fr", now=now)
    started = now + timedelta(days=6)  # the worker's first round since: the DNS keeps silent
    assert mail_domains_check(now=started, lookup=lambda domain: None) == 1
    assert mail_domains_check(now=now + timedelta(days=7, minutes=1)) == 0  # wanted over a week ago


def test_the_worker_looks_only_at_addresses_given_in_its_last_three_rounds(code_sent, now, traveller):
    factories.with_link_sent(code_sent, now, "camille@entreprise.fr")
    assert mail_domains_check(now=now + timedelta(minutes=31)) == 0  # given before them: seen by an earlier round
    assert mail_domains_check(now=now + timedelta(minutes=29)) == 1


def test_the_worker_does_not_ask_about_a_confirmed_address(code_sent, now, traveller):
    factories.active(code_sent, now, "camille@entreprise.fr")
    assert mail_domains_check(now=now) == 0


def test_an_answer_is_believed_to_the_last_second_of_its_week(now):
    mail_servers_seen("entreprise.fr", now=now)
    mail_domains_check(now=now, lookup=lambda domain: False)
    assert said("entreprise.fr", now + timedelta(days=7)) == (False, now)


def test_without_servers_of_its_own_the_service_asks_the_machine_s_dns(settings):
    """Production's default: the resolvers of /etc/resolv.conf (read, never asked here); with servers of its own
    (the tests' local one), those alone."""
    assert _resolver().nameservers == ["127.0.0.1"]
    settings.MONCOMPTE = replace(settings.MONCOMPTE, support_dns_servers=())
    assert _resolver().nameservers == dns.resolver.Resolver().nameservers
