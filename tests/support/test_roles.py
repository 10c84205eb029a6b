"""R-SUP1: the desk needs a staff sign-in completed by a second factor; roles agent and supervisor."""

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command
from django.test import Client as HttpClient
from django_otp.plugins.otp_totp.models import TOTPDevice

from moncompte.audit.models import AuditEvent
from moncompte.support.roles import Role, role_of
from tests.helpers import totp_token

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("traveller")]
LOGIN = "/support/login/"


def test_the_two_roles_exist_with_their_permissions_as_soon_as_the_database_is_migrated_R_SUP1():
    # Before any staff member is made: an administrator may give a role in Django's admin right after `migrate`.
    roles = {group.name: list(group.permissions.values_list("codename", flat=True)) for group in Group.objects.all()}
    assert roles == {Role.AGENT.value: [], Role.SUPERVISOR.value: ["view_auditevent"]}


def test_create_supervisor_makes_a_supervisor_with_an_authenticator_R_SUP1(capsys, settings):
    settings.SUPERVISOR_PASSWORD = "Superviseur-du-support-2026"
    call_command("create_supervisor", "marie.martin", noinput=True)
    said = capsys.readouterr().out
    assert "otpauth://totp/" in said
    user = User.objects.get(username="marie.martin")
    assert user.is_staff
    assert not user.is_superuser
    assert TOTPDevice.objects.get(user=user).confirmed
    assert list(user.groups.values_list("name", flat=True)) == [Role.SUPERVISOR.value]


def test_a_weak_supervisor_password_is_refused(settings):
    settings.SUPERVISOR_PASSWORD = "azerty"
    with pytest.raises(CommandError, match="Mot de passe refusé"):
        call_command("create_supervisor", "marie.martin", noinput=True)
    assert not User.objects.exists()


@pytest.fixture
def supervisor() -> User:
    from moncompte.support.roles import staff_create

    return staff_create(username="marie.martin", password="Superviseur-du-support-2026", role=Role.SUPERVISOR).user


def sign_in(client: HttpClient, *, token: str) -> int:
    answer = client.post(
        LOGIN, {"username": "marie.martin", "password": "Superviseur-du-support-2026", "otp_token": token}
    )
    return answer.status_code


def test_the_password_alone_opens_nothing_R_SUP1(supervisor):
    browser = HttpClient()
    assert sign_in(browser, token="") == 200
    browser.force_login(supervisor)  # even a session signed in by password alone
    for path in ("/support/", "/support/entonnoir/", "/support/outbox/outboundemail/"):
        assert browser.get(path)["Location"].startswith("/support/login/")


def test_the_authenticator_code_completes_the_sign_in_R_SUP1(supervisor):
    browser = HttpClient()
    assert sign_in(browser, token=totp_token(TOTPDevice.objects.get(user=supervisor))) == 302
    assert browser.get("/support/entonnoir/").status_code == 200


def test_a_wrong_code_is_refused_counted_and_audited_R_SUP1(supervisor):
    browser = HttpClient()
    assert sign_in(browser, token="000000") == 200
    assert browser.get("/support/").status_code == 302
    assert AuditEvent.objects.filter(event="staff_second_factor_failure", details__username="marie.martin").exists()


def test_roles_come_from_groups_and_need_the_second_factor(supervisor, agent_client):
    assert role_of(supervisor) is None  # not verified: no role
    agent = User.objects.get(username="agent.dupont")
    assert agent_client.get("/support/").status_code == 200
    assert not agent.is_superuser


def test_agents_work_from_the_desk_pages_only_R_SUP2(agent_client, admin_client):
    index = agent_client.get("/support/").content.decode()
    assert "Rechercher une personne" in index
    assert "Créer un agent" not in index
    # pages on a person outside the desk are opened without a reason: not for agents
    for path in ("/support/outbox/outboundemail/", "/support/accounts/account/", "/support/audit/auditevent/"):
        assert agent_client.get(path).status_code == 403
    assert "Créer un agent" in admin_client.get("/support/").content.decode()


def verified(user: User) -> User:
    """As django-otp's middleware leaves a user whose code was right."""
    user.otp_device = TOTPDevice.objects.get(user=user)  # type: ignore[attr-defined]
    return user


def test_a_verified_staff_member_has_the_role_of_their_group_and_only_then(supervisor):
    from moncompte.support.roles import staff_create

    assert role_of(verified(supervisor)) is Role.SUPERVISOR
    agent = verified(staff_create(username="agent.neuf", password="Agent-du-support-2026", role=Role.AGENT).user)
    assert role_of(agent) is Role.AGENT
    agent.groups.clear()
    assert role_of(agent) is None  # staff, verified, in no desk group


@pytest.mark.parametrize("field", ["is_active", "is_staff"])
def test_an_inactive_or_non_staff_user_has_no_role_even_verified(supervisor, field):
    setattr(supervisor, field, False)
    assert role_of(verified(supervisor)) is None
