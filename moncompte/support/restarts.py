"""R-BOT2: the four-eyes restart of an enrollment. A supervisor who checked the person's identity at the counter
requests it with a reason; a second, different supervisor approves or rejects it before it expires. Every step,
and every refused attempt, is written to the audit log with the staff member."""

from datetime import datetime

from django.db import IntegrityError, transaction

from moncompte.accounts.models import Account
from moncompte.audit import log as audit
from moncompte.core.conf import conf
from moncompte.core.errors import DomainError
from moncompte.support.account_restart import RestartDone, account_restart
from moncompte.support.actions import Staff, SupervisorOnly, actions_counted, reason_clean
from moncompte.support.models import IdentityDocument, RestartRequest, RestartStatus
from moncompte.support.roles import Role


class RestartRefused(DomainError):
    code = "restart_refused"


class RestartReasonTooShort(RestartRefused):
    code = "restart_reason_too_short"
    field = "reason"

    def __init__(self) -> None:
        least = conf().restart_reason_min_length
        super().__init__(f"Indiquez le motif en une phrase (au moins {least} caractères) : il est écrit au journal.")


class IdentityNotChecked(RestartRefused):
    code = "restart_identity_not_checked"
    field = "identity"
    message = (
        "La reprise n'est possible qu'après avoir vérifié l'identité de la personne, en sa présence, sur une "
        "pièce d'identité : cochez la déclaration et indiquez la pièce présentée."
    )


class RestartAlreadyPending(RestartRefused):
    code = "restart_already_pending"
    message = "Une demande de reprise est déjà en attente pour ce compte : un autre superviseur doit la traiter."


class RestartUnknown(RestartRefused):
    code = "restart_unknown"
    message = "Cette demande de reprise n'existe pas."


class OwnRestartRequest(RestartRefused):
    code = "restart_own_request"
    message = "Vous avez fait cette demande : un autre superviseur doit la valider (règle des quatre yeux)."


class RestartAlreadyDecided(RestartRefused):
    code = "restart_already_decided"
    message = "Cette demande a déjà été traitée : rien n'a été fait. Rechargez la fiche pour voir son état."


class RestartExpired(RestartRefused):
    code = "restart_expired"
    message = (
        "Cette demande a expiré sans être traitée : rien n'a été fait. Si la reprise est toujours nécessaire, "
        "une nouvelle demande doit être faite après une nouvelle vérification d'identité."
    )


def _refused(
    error: DomainError, staff: Staff, *, now: datetime, account_id: int | None, request_id: int | None
) -> DomainError:
    """A refused attempt is written, then raised (outside any transaction, so the row stays)."""
    details = {"why": error.code, **({"request": str(request_id)} if request_id else {})}
    audit.record(
        event="support_restart_refused",
        now=now,
        account_id=account_id,
        client=staff.client,
        staff=staff.username,
        **details,
    )
    return error


def _supervisor(staff: Staff, *, now: datetime, account_id: int | None, request_id: int | None) -> None:
    if staff.role is not Role.SUPERVISOR:
        raise _refused(SupervisorOnly(), staff, now=now, account_id=account_id, request_id=request_id)


def _reason(raw: str) -> str | None:
    reason = reason_clean(raw)
    return reason if len(reason) >= conf().restart_reason_min_length else None


def restart_request(
    *, account_id: int, staff: Staff, reason: str, identity_checked: bool, identity_document: str, now: datetime
) -> RestartRequest:
    """The first supervisor, the person in front of them with an identity document."""
    _supervisor(staff, now=now, account_id=account_id, request_id=None)
    typed = _reason(reason)
    if typed is None:
        raise _refused(RestartReasonTooShort(), staff, now=now, account_id=account_id, request_id=None)
    if not identity_checked or identity_document not in IdentityDocument.values:
        raise _refused(IdentityNotChecked(), staff, now=now, account_id=account_id, request_id=None)
    actions_counted(staff, now=now)
    restart_requests_expire(now=now, account_id=account_id)  # a stale one no longer blocks a new one
    try:
        with transaction.atomic():
            made = RestartRequest.objects.create(
                account=Account.objects.get(pk=account_id),
                reason=typed,
                identity_document=identity_document,
                requested_by=staff.username,
                requested_at=now,
                expires_at=now + conf().restart_request_lifetime,
            )
            audit.record(
                event="support_restart_requested",
                now=now,
                account_id=account_id,
                client=staff.client,
                staff=staff.username,
                reason=typed,
                document=identity_document,
                request=str(made.pk),
            )
    except IntegrityError:  # the unique index of pending requests: one is already there
        raise _refused(RestartAlreadyPending(), staff, now=now, account_id=account_id, request_id=None) from None
    return made


def _decidable(request_id: int, account_id: int, staff: Staff, *, now: datetime, approving: bool) -> RestartRequest:
    """The request, if this staff member may decide it now; otherwise the refusal, audited."""
    _supervisor(staff, now=now, account_id=account_id, request_id=request_id)
    actions_counted(staff, now=now)  # a desk action like the others (R-SUP2)
    found = RestartRequest.objects.filter(pk=request_id, account_id=account_id).first()
    if found is None:  # never decided through another person's page
        raise _refused(RestartUnknown(), staff, now=now, account_id=account_id, request_id=request_id)
    if found.status == RestartStatus.PENDING and found.expires_at <= now:
        restart_requests_expire(now=now, account_id=found.account_id)
        raise _refused(RestartExpired(), staff, now=now, account_id=account_id, request_id=request_id)
    if found.status != RestartStatus.PENDING:
        error = RestartExpired() if found.status == RestartStatus.EXPIRED else RestartAlreadyDecided()
        raise _refused(error, staff, now=now, account_id=account_id, request_id=request_id)
    if approving and found.requested_by.lower() == staff.username.lower():
        raise _refused(OwnRestartRequest(), staff, now=now, account_id=account_id, request_id=request_id)
    return found


def _decide(found: RestartRequest, staff: Staff, *, status: RestartStatus, now: datetime, why: str = "") -> None:
    """One conditional UPDATE: of two decisions at the same moment (or a replayed form), one wins."""
    won = RestartRequest.objects.filter(pk=found.pk, status=RestartStatus.PENDING, expires_at__gt=now).update(
        status=status, decided_by=staff.username, decided_at=now, decision_reason=why
    )
    if won != 1:
        raise RestartAlreadyDecided()


def restart_approve(*, request_id: int, account_id: int, staff: Staff, now: datetime) -> RestartDone:
    """The second supervisor: the request is decided and the account restarted in one transaction."""
    found = _decidable(request_id, account_id, staff, now=now, approving=True)
    try:
        with transaction.atomic():
            _decide(found, staff, status=RestartStatus.APPROVED, now=now)
            done = account_restart(account_id=found.account_id, now=now)
            audit.record(
                event="support_restart_approved",
                now=now,
                account_id=found.account_id,
                client=staff.client,
                staff=staff.username,
                requested_by=found.requested_by,
                reason=found.reason,
                request=str(found.pk),
                app_sessions_ended=str(done.app_sessions_ended),
                consents_withdrawn=str(done.consents_withdrawn),
                told=done.told or "aucune adresse",
            )
    except RestartAlreadyDecided as lost:
        raise _refused(lost, staff, now=now, account_id=found.account_id, request_id=found.pk) from None
    return done


def restart_reject(*, request_id: int, account_id: int, staff: Staff, reason: str, now: datetime) -> None:
    """Any supervisor, the requester included (withdrawing a mistaken request), with a reason."""
    found = _decidable(request_id, account_id, staff, now=now, approving=False)
    typed = _reason(reason)
    if typed is None:
        raise _refused(RestartReasonTooShort(), staff, now=now, account_id=found.account_id, request_id=found.pk)
    try:
        with transaction.atomic():
            _decide(found, staff, status=RestartStatus.REJECTED, now=now, why=typed)
            audit.record(
                event="support_restart_rejected",
                now=now,
                account_id=found.account_id,
                client=staff.client,
                staff=staff.username,
                requested_by=found.requested_by,
                reason=typed,
                request=str(found.pk),
            )
    except RestartAlreadyDecided as lost:
        raise _refused(lost, staff, now=now, account_id=found.account_id, request_id=found.pk) from None


def restart_requests_expire(*, now: datetime, account_id: int | None = None) -> int:
    """Periodic job (and before reading or deciding): pending requests past their time become expired, each
    audited once (the conditional UPDATE decides which process writes it)."""
    stale = RestartRequest.objects.filter(status=RestartStatus.PENDING, expires_at__lte=now)
    if account_id is not None:
        stale = stale.filter(account_id=account_id)
    expired = 0
    for pk, account, requester in stale.order_by("pk").values_list("pk", "account_id", "requested_by")[:500]:
        with transaction.atomic():
            if RestartRequest.objects.filter(pk=pk, status=RestartStatus.PENDING).update(
                status=RestartStatus.EXPIRED, decided_at=now
            ):
                audit.record(
                    event="support_restart_expired",
                    now=now,
                    account_id=account,
                    requested_by=requester,
                    request=str(pk),
                )
                expired += 1
    return expired


def restart_pending_of(*, account_id: int, now: datetime) -> RestartRequest | None:
    """The request waiting for a decision on this account, if any. Reads only: one past its time is no longer
    pending here, and the periodic job (or the next decision) writes its expiry."""
    live = RestartRequest.objects.filter(account_id=account_id, status=RestartStatus.PENDING, expires_at__gt=now)
    return live.first()


def restarts_pending(*, now: datetime) -> list[RestartRequest]:
    """Every request waiting for a second supervisor, oldest first (the desk's list)."""
    live = RestartRequest.objects.filter(status=RestartStatus.PENDING, expires_at__gt=now)
    return list(live.order_by("requested_at", "pk"))
