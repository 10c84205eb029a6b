"""R-SUP1: the two roles of the support desk, as Django groups, and the creation of staff members with
their second factor (a TOTP device, django-otp)."""

from dataclasses import dataclass
from enum import Enum

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group, Permission, User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice


class Role(Enum):
    AGENT = "agent"  # consults, resends, changes the address with the person on the phone
    SUPERVISOR = "superviseur"  # also lifts throttles, voids links, erases an unconfirmed address, creates agents


# The back office's model pages are not opened with a reason (R-SUP2): agents work from the desk's pages only;
# supervisors may also read the audit log. Superusers (the technical administrators) keep every page.
VIEW_PERMISSIONS: list[str] = []
SUPERVISOR_PERMISSIONS = ["view_auditevent"]


def roles_ensure() -> None:
    """The groups exist with their permissions (run after every migrate)."""
    for role, codenames in ((Role.AGENT, VIEW_PERMISSIONS), (Role.SUPERVISOR, SUPERVISOR_PERMISSIONS)):
        group, _ = Group.objects.get_or_create(name=role.value)
        group.permissions.set(Permission.objects.filter(codename__in=codenames))


def role_of(user: AbstractBaseUser | AnonymousUser) -> Role | None:
    """The desk role of a verified staff member; None for anyone else (the desk then shows nothing)."""
    if not isinstance(user, User) or not user.is_active or not user.is_staff:
        return None
    if getattr(user, "otp_device", None) is None:  # django-otp's middleware sets it once the code was right
        return None
    names = set(user.groups.values_list("name", flat=True))
    if user.is_superuser or Role.SUPERVISOR.value in names:
        return Role.SUPERVISOR
    return Role.AGENT if Role.AGENT.value in names else None


@dataclass(frozen=True)
class StaffCreated:
    user: User
    authenticator_url: str  # otpauth://… to scan once in an authenticator app; never shown again


def staff_create(*, username: str, password: str, role: Role) -> StaffCreated:
    """A staff member with a role and a confirmed TOTP device. Raises ValidationError for a weak password or
    a user name that is malformed, too long, or taken whatever its case (sign-in limits count it lower-case)."""
    candidate = User(username=username)
    candidate.clean_fields(exclude=["password"])  # the user name's own rules (characters, length)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError("Ce nom d'utilisateur est déjà pris.")
    validate_password(password, candidate)
    roles_ensure()
    with transaction.atomic():
        user = User.objects.create_user(username=username, password=password, is_staff=True)
        user.groups.add(Group.objects.get(name=role.value))
        device = TOTPDevice.objects.create(user=user, name="application d'authentification", confirmed=True)
    return StaffCreated(user=user, authenticator_url=device.config_url)
