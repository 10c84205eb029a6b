"""R-LIM8: device credentials — bound to their account and epoch, stored as a digest, worth nothing altered."""

from datetime import timedelta

import pytest

from moncompte.enrollment.devices import MAX_LENGTH, device_again, device_issue, device_of, devices_purge
from moncompte.enrollment.models import DeviceCredential
from moncompte.enrollment.password_choose import password_choose, password_store
from moncompte.selfservice.account_manage import password_change
from moncompte.selfservice.sign_in import sign_in
from tests import factories
from tests.factories import CLIENT, PERSONAL_CODE

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(code_sent, now):
    return factories.active(code_sent, now).account


def test_a_sign_in_with_the_personal_code_gives_a_device_of_its_account_R_LIM8(code_sent, now, account):
    signed = sign_in(nir=code_sent.nir, secret=PERSONAL_CODE, client=CLIENT, now=now)
    assert signed.device is not None
    assert device_of(credential=signed.device, account=account, now=now) is not None


def test_the_provisional_code_gives_no_device_R_LIM8(code_sent, now):
    assert sign_in(nir=code_sent.nir, secret=code_sent.clear, client=CLIENT, now=now).device is None


def test_only_a_digest_of_the_device_s_secret_is_stored_R_LIM8(now, account):
    credential = device_issue(account=account, channel="web", now=now)
    row_id, _, secret = credential.partition(".")
    row = DeviceCredential.objects.get(pk=int(row_id))
    assert row.channel == "web"  # the cookie of a browser, or the token of the app
    assert secret not in row.digest
    assert len(secret) >= 43  # 256 random bits


@pytest.mark.parametrize(
    "altered",
    [
        lambda c: c[:-1] + ("A" if c[-1] != "A" else "B"),  # the secret changed
        lambda c: str(int(c.partition(".")[0]) + 1) + "." + c.partition(".")[2],  # another row's id
        lambda c: c.partition(".")[2],  # no id
        lambda c: c.partition(".")[0] + ".",  # no secret
        lambda c: "9" * 30 + "." + c.partition(".")[2],  # an id no database holds
        lambda c: "²." + c.partition(".")[2],  # a digit that is no ASCII digit
        lambda c: c + "x" * 300,  # too long
        lambda c: "",
    ],
)
def test_an_altered_or_forged_credential_is_worth_nothing_R_LIM8(now, account, altered):
    credential = device_issue(account=account, channel="web", now=now)
    device_issue(account=account, channel="web", now=now)  # a next row exists: "another row's id" is real
    assert device_of(credential=altered(credential), account=account, now=now) is None


def test_a_credential_too_long_or_with_an_id_too_long_is_refused_before_anything_is_read_R_LIM8(
    now, account, django_assert_num_queries
):
    credential = device_issue(account=account, channel="web", now=now)
    secret = credential.partition(".")[2]
    longest = credential + "x" * (MAX_LENGTH - len(credential))
    with django_assert_num_queries(1):  # read, and wrong
        assert device_of(credential=longest, account=account, now=now) is None
    with django_assert_num_queries(0):
        assert device_of(credential=longest + "x", account=account, now=now) is None
    with django_assert_num_queries(1):  # 18 digits: a bigint the database takes
        assert device_of(credential="9" * 18 + "." + secret, account=account, now=now) is None
    with django_assert_num_queries(0):
        assert device_of(credential="9" * 19 + "." + secret, account=account, now=now) is None


def test_a_credential_presented_for_a_nir_without_account_is_worth_nothing_after_the_same_read_R_LIM4(
    now, account, django_assert_num_queries
):
    credential = device_issue(account=account, channel="web", now=now)
    with django_assert_num_queries(1):
        assert device_of(credential=credential, account=None, now=now) is None


def test_a_personal_code_set_without_a_seed_gives_a_device_of_a_secret_drawn_for_it_R_LIM8(now, account):
    codes = ("Nouveau-Code-2027", "Nouveau-Code-2028", "Nouveau-Code-2029", "Nouveau-Code-2030")
    chosen = [
        password_choose(account_id=account.pk, password=code, confirmation=code, client=CLIENT, now=now).device
        for code in codes[:2]
    ]
    changed = [
        password_store(account=account, password=code, client=CLIENT, now=now, event="password_changed").device
        for code in codes[2:]
    ]
    assert len({device.partition(".")[2] for device in chosen + changed}) == 4


def test_a_device_given_with_a_seed_is_found_again_with_it_until_it_ends_R_LIM8_R_API2(now, account):
    seed = "mcr_the-restricted-token-the-app-spent"
    credential = device_issue(account=account, channel="app", now=now, seed=seed)
    assert device_of(credential=credential, account=account, now=now) is not None
    assert device_issue(account=account, channel="app", now=now) != credential  # without a seed: random
    assert device_again(account_id=account.pk, seed=seed, now=now) == credential
    assert device_again(account_id=account.pk, seed=seed + "x", now=now) is None
    assert device_again(account_id=account.pk + 1, seed=seed, now=now) is None
    assert device_again(account_id=account.pk, seed=seed, now=now + timedelta(days=180)) is None  # expired
    account.session_epoch += 1  # a new personal code (R-LIM5)
    account.save()
    assert device_again(account_id=account.pk, seed=seed, now=now) is None


def test_a_device_belongs_to_its_account_only_R_LIM8(now, account):
    from moncompte.accounts.models import Account
    from moncompte.registry.models import Beneficiary

    other = Account.objects.create(
        beneficiary=Beneficiary.objects.create(
            nir="1850575056048", last_name="M", first_name="L", birth_date="1985-05-12", postal_code="75011"
        ),
        created_at=now,
        code_email="l@example.fr",
    )
    credential = device_issue(account=other, channel="web", now=now)
    assert device_of(credential=credential, account=account, now=now) is None


def test_a_device_expires_R_LIM8(now, account):
    credential = device_issue(account=account, channel="app", now=now)
    assert device_of(credential=credential, account=account, now=now + timedelta(days=179)) is not None
    assert device_of(credential=credential, account=account, now=now + timedelta(days=180)) is None


def test_a_new_personal_code_ends_every_device_and_gives_a_new_one_R_LIM8_R_LIM5(now, account):
    credential = device_issue(account=account, channel="web", now=now)
    changed = password_change(
        account_id=account.pk,
        current_password=PERSONAL_CODE,
        password="Nouveau-Code-2027",
        confirmation="Nouveau-Code-2027",
        client=CLIENT,
        now=now,
    )
    account.refresh_from_db()
    assert device_of(credential=credential, account=account, now=now) is None
    assert device_of(credential=changed.device, account=account, now=now) is not None


def test_devices_expired_or_ended_are_purged_R_LIM8(now, account):
    DeviceCredential.objects.all().delete()  # the journey's own, given with the first personal code
    device_issue(account=account, channel="web", now=now - timedelta(days=200))  # ended by the new epoch
    account.session_epoch += 1
    account.save()
    live = device_issue(account=account, channel="web", now=now)
    device_issue(account=account, channel="web", now=now - timedelta(days=181))
    assert devices_purge(now=now) == 2
    assert list(DeviceCredential.objects.values_list("pk", flat=True)) == [int(live.partition(".")[0])]
