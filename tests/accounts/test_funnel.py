"""R-DLV4: the funnel by provider shows a provider problem from generated data (the seed's Orange case)."""

from datetime import timedelta

import pytest
from django.core.management import call_command

from moncompte.accounts.funnel import funnel_of
from moncompte.accounts.models import Account, EmailLink
from moncompte.outbox.mail import enqueue
from moncompte.outbox.models import DeliveryReport, EmailStatus
from moncompte.outbox.providers import provider_of
from moncompte.outbox.reports import ReportKind

pytestmark = pytest.mark.django_db

# provider domain, links sent, confirmed, refused by the receiving server
TRAFFIC = [("gmail.com", 40, 28, 0), ("hotmail.fr", 30, 18, 0), ("orange.fr", 40, 4, 12), ("free.fr", 5, 0, 0)]


@pytest.fixture
def traffic(beneficiary, now):
    account = Account.objects.create(beneficiary=beneficiary, created_at=now, code_email="c@example.fr")
    for domain, sent, confirmed, refused in TRAFFIC:
        for index in range(sent):
            address = f"personne{index}@{domain}"
            EmailLink.objects.create(
                account=account,
                canonical=address,
                digest=f"{domain}-{index}",
                sent_at=now - timedelta(hours=index % 20),
                used_at=now if index < confirmed else None,
            )
            email = enqueue(
                template="email_confirmation",
                to=address,
                now=now,
                context={"first_name": "C", "last_name": "D"},
                secret_context={"link": "x"},
            )
            email.status = EmailStatus.SENT
            email.save()
            if index >= sent - refused:
                DeliveryReport.objects.create(
                    email=email, received_at=now, kind=ReportKind.REFUSED, status="5.7.1", fingerprint=str(index)
                )


def test_each_provider_s_links_are_counted_from_sent_to_confirmed_R_DLV4(traffic, now):
    funnel = funnel_of(now=now, span=timedelta(days=7))
    rows = {row.provider: row for row in funnel.providers}
    assert [row.provider for row in funnel.providers][:3] == ["gmail", "orange", "outlook"]
    assert (rows["orange"].links_sent, rows["orange"].delivered, rows["orange"].bounced, rows["orange"].confirmed) == (
        40,
        40,
        12,
        4,
    )
    assert rows["gmail"].confirmation_rate == pytest.approx(0.7)


def test_a_provider_far_below_the_others_is_flagged_and_only_it_R_DLV4(traffic, now):
    funnel = funnel_of(now=now, span=timedelta(days=7))
    assert len(funnel.alerts) == 1
    assert funnel.alerts[0].startswith("ALERTE orange : 10 %")
    assert "12 refusés" in funnel.alerts[0]


def test_a_window_counts_only_what_happened_in_it(traffic, now):
    funnel = funnel_of(now=now, span=timedelta(hours=1, minutes=30))
    # links sent 0 or 1 hour ago: indexes 0, 1, 20 and 21 of the three large providers, 0 and 1 of free.fr
    assert sum(row.links_sent for row in funnel.providers) == 4 * 3 + 2


def test_addresses_are_grouped_under_known_providers_or_autres():
    assert provider_of("x@wanadoo.fr") == provider_of("y@Orange.fr") == "orange"
    assert provider_of("x@live.com") == "outlook"
    assert provider_of("x@petit-fournisseur.example") == "autres"


def test_the_funnel_command_prints_both_windows_and_the_alert(traffic, traveller, capsys):
    call_command("funnel")
    said = capsys.readouterr().out
    assert "— Sur 24 heures —" in said
    assert "— Sur 168 heures —" in said
    assert "ALERTE orange" in said


def test_supervisors_see_the_funnel_page_and_agents_do_not_R_DLV4(traffic, traveller, admin_client, agent_client):
    from django.urls import reverse

    page = admin_client.get(reverse("admin:funnel")).content.decode()
    assert "ALERTE orange" in page
    assert '<th scope="row">gmail</th>' in page
    assert agent_client.get(reverse("admin:funnel")).status_code == 403
