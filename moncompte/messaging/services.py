"""R-MSG8: the credentials of the services that write to people through the internal API — created with their
scopes (the token shown once), kept as a keyed digest, revocable, two active at once per service for a rotation
without downtime; creation, revocation and each refused token written to the audit log."""

import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.db import transaction

from moncompte.audit.log import record
from moncompte.core import tokens
from moncompte.core.client import Client
from moncompte.core.conf import conf
from moncompte.core.errors import DomainError
from moncompte.messaging.models import ServiceCredential

PURPOSE = "service_credential"
PREFIX = "mcs_"


class Scope(StrEnum):
    POST = "messages:post"  # post messages
    PROMOTIONAL = "messages:promotional"  # post promotional information (R-MSG6)


class CredentialRefused(DomainError):
    code = "credential_refused"
    message = "Accès refusé : identifiant de service absent, inconnu ou révoqué."


class ScopeMissing(DomainError):
    code = "scope_missing"
    message = "Cet accès ne permet pas cette opération."


class TooManyActiveCredentials(DomainError):
    code = "too_many_active_credentials"
    message = "Ce service a déjà deux accès actifs : révoquez l'ancien avant d'en créer un autre."


@dataclass(frozen=True)
class IssuedCredential:
    key_id: str
    token: str  # shown once, never stored


@dataclass(frozen=True)
class ServiceCaller:
    service: str
    key_id: str
    scopes: frozenset[str]

    def require(self, scope: Scope) -> None:
        if scope.value not in self.scopes:
            raise ScopeMissing()


def credential_create(*, service: str, scopes: list[Scope], now: datetime) -> IssuedCredential:
    service = service.strip()
    if not service or not scopes:
        raise DomainError("Indiquez le nom du service et au moins une portée.")
    with transaction.atomic():
        active = ServiceCredential.objects.select_for_update().filter(service=service, revoked_at__isnull=True)
        if len(active) >= conf().service_credentials_active_max:
            raise TooManyActiveCredentials()
        key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
        ServiceCredential.objects.create(
            service=service,
            key_id=key_id,
            digest=tokens.digest(purpose=PURPOSE, value=secret),
            scopes=" ".join(sorted(scope.value for scope in scopes)),
            created_at=now,
        )
        record(event="service_credential_created", now=now, service=service, key_id=key_id)
    return IssuedCredential(key_id, f"{PREFIX}{key_id}.{secret}")


def credential_revoke(*, key_id: str, now: datetime) -> bool:
    with transaction.atomic():
        found = ServiceCredential.objects.filter(key_id=key_id, revoked_at__isnull=True).update(revoked_at=now)
        if found:
            record(event="service_credential_revoked", now=now, key_id=key_id)
    return bool(found)


def credential_of(*, token: str, client: Client, now: datetime) -> ServiceCaller:
    """The service a token names; CredentialRefused (audited, with the key id if any, never the token)."""
    key_id, _, secret = token.removeprefix(PREFIX).partition(".")
    found = ServiceCredential.objects.filter(key_id=key_id[:32], revoked_at__isnull=True).first()
    if (
        found is None
        or not token.startswith(PREFIX)
        or not tokens.matches(purpose=PURPOSE, stored_digest=found.digest, typed=secret)
    ):
        record(event="internal_api_refused", now=now, client=client, key_id=key_id[:32] if found else "")
        raise CredentialRefused()
    ServiceCredential.objects.filter(pk=found.pk).update(last_used_at=now)
    return ServiceCaller(found.service, found.key_id, frozenset(found.scopes.split()))


def credential_absent(*, client: Client, now: datetime) -> None:
    """A call of the internal API without any credential: refused, and written down like a wrong one."""
    record(event="internal_api_refused", now=now, client=client, key_id="")


def internal_call_audit(
    *, caller: ServiceCaller, operation: str, outcome: str, client: Client, now: datetime, **details: Any
) -> None:
    """R-MSG8: every call of the internal API in the audit log: the service, its key, what and how it ended."""
    record(
        event="internal_api_call",
        now=now,
        client=client,
        service=caller.service,
        key_id=caller.key_id,
        operation=operation,
        outcome=outcome,
        **details,
    )
