import threading
from datetime import timedelta

import pytest
from django.db import connection

from moncompte.accounts import emails
from moncompte.accounts.models import Account, EmailAddress
from moncompte.registry.models import Beneficiary

pytestmark = pytest.mark.django_db


def account_for(nir: str, now) -> Account:
    person = Beneficiary.objects.create(
        nir=nir, last_name="X", first_name="Y", birth_date="1984-05-03", postal_code="75011"
    )
    return Account.objects.create(beneficiary=person, created_at=now, code_email="x@example.fr")


def test_the_canonical_form_is_trimmed_nfc_and_lower_case_R_CT2():
    assert emails.canonical("  Camille.Durand@Example.FR ") == "camille.durand@example.fr"
    assert emails.canonical("ce\u0301line@example.fr") == emails.canonical("céline@example.fr")


def test_the_typed_form_is_kept_for_display_R_CT2(now):
    account = account_for("2840588321025", now)
    email = emails.claim_pending(account=account, address=" Camille@Example.fr ", now=now)
    assert (email.address, email.canonical) == ("Camille@Example.fr", "camille@example.fr")


def test_an_address_used_by_another_account_is_refused_R_CT2(now):
    first, second = account_for("2840588321025", now), account_for("1850575056048", now)
    emails.claim_pending(account=first, address="camille@example.fr", now=now)
    with pytest.raises(emails.EmailTaken, match="déjà utilisée"):
        emails.claim_pending(account=second, address="CAMILLE@example.fr", now=now)


@pytest.mark.parametrize(
    ("age", "free"), [(timedelta(days=21, seconds=-1), False), (timedelta(days=21, seconds=1), True)]
)
def test_a_pending_address_is_free_for_others_after_21_days_even_before_erasure_R_CT2_R_EM7(now, age, free):
    first, second = account_for("2840588321025", now), account_for("1850575056048", now)
    emails.claim_pending(account=first, address="camille@example.fr", now=now)
    if free:
        emails.claim_pending(account=second, address="camille@example.fr", now=now + age)
        assert EmailAddress.objects.get().account == second
    else:
        with pytest.raises(emails.EmailTaken):
            emails.claim_pending(account=second, address="camille@example.fr", now=now + age)


def test_a_new_pending_address_replaces_the_previous_one(now):
    account = account_for("2840588321025", now)
    emails.claim_pending(account=account, address="a@example.fr", now=now)
    emails.claim_pending(account=account, address="b@example.fr", now=now)
    assert list(EmailAddress.objects.values_list("canonical", flat=True)) == ["b@example.fr"]


@pytest.mark.django_db(transaction=True)
def test_two_accounts_racing_for_one_address_exactly_one_wins_R_CT2(now):
    accounts = [account_for("2840588321025", now), account_for("1850575056048", now)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def claim(account: Account) -> None:
        try:
            barrier.wait()
            emails.claim_pending(account=account, address="same@example.fr", now=now)
            outcomes.append("won")
        except emails.EmailTaken:
            outcomes.append("taken")
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(a,)) for a in accounts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["taken", "won"]
    assert EmailAddress.objects.filter(canonical="same@example.fr").count() == 1


@pytest.mark.parametrize(
    ("address", "mailbox"),
    [
        (" Camille+Promo@Example.FR ", "camille@example.fr"),
        ("camille@example.fr", "camille@example.fr"),
        ("c.a.m.i.l.l.e+x@gmail.com", "camille@gmail.com"),
        ("ca.mille@googlemail.com", "camille@gmail.com"),
        ("jean.dupont@orange.fr", "jean.dupont@orange.fr"),  # dots matter elsewhere
        ("+tag@example.fr", "+tag@example.fr"),  # nothing before the +: kept whole
        # A domain with accents is one domain however it is typed: as the relay gets it (IDNA).
        ("camille@exémple.fr", "camille@xn--exmple-cva.fr"),
        ("camille@EXE\u0301MPLE.FR", "camille@xn--exmple-cva.fr"),  # decomposed, upper case
        ("camille+x@xn--exmple-cva.fr", "camille@xn--exmple-cva.fr"),
        ("camille@ｅｘａｍｐｌｅ。ｆｒ", "camille@example.fr"),  # full-width letters and full stop
        ("ca.mille@ＧＭＡＩＬ.com", "camille@gmail.com"),
        # One provider, one mailbox under each of its domains.
        ("camille@me.com", "camille@icloud.com"),
        ("Camille+x@mac.com", "camille@icloud.com"),
        ("camille@protonmail.com", "camille@proton.me"),
        ("camille@pm.me", "camille@proton.me"),
        ("ca.mille@icloud.com", "ca.mille@icloud.com"),  # dots matter at iCloud
        # "-" and "=" belong to the name: jean-pierre@ is somebody else than jean@.
        ("jean-pierre@orange.fr", "jean-pierre@orange.fr"),
        ("camille-x@example.fr", "camille-x@example.fr"),
        ("camille=x@example.fr", "camille=x@example.fr"),
    ],
)
def test_the_mailbox_an_address_reaches_for_limits_R_LIM8(address, mailbox):
    assert emails.mailbox_of(address) == mailbox
