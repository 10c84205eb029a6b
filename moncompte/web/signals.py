"""Staff activity in the security log (R-SEC3, issue 8): sign-ins, failures (counted for the throttle by
support.staff_sign_in), sign-outs and every change made in the back office."""

from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, User
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django.http import HttpRequest

from moncompte.audit import log as audit
from moncompte.core import clock
from moncompte.support.staff_sign_in import staff_failure_count
from moncompte.web import session
from moncompte.web.admin_site import STAFF_DEVICE_COOKIE, attempt_counted


@receiver(user_login_failed)
def staff_sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **_: Any
) -> None:
    client = session.client_of(request) if request is not None else None
    device = request.COOKIES.get(STAFF_DEVICE_COOKIE, "") if request is not None else ""
    typed = str(credentials.get("username", ""))
    counted = request is not None and attempt_counted(request)
    staff_failure_count(username=typed, client=client, now=clock.now(), device=device, counted=counted)


@receiver(user_logged_in)
def staff_signed_in(sender: Any, request: HttpRequest, user: Any, **_: Any) -> None:
    audit.record(
        event="staff_sign_in", now=clock.now(), client=session.client_of(request), username=user.get_username()
    )


@receiver(user_logged_out)
def staff_signed_out(sender: Any, request: HttpRequest, user: Any, **_: Any) -> None:
    username = user.get_username() if user is not None else ""
    audit.record(event="staff_sign_out", now=clock.now(), client=session.client_of(request), username=username)


@receiver(post_save, sender=LogEntry)
def staff_changed_something(sender: Any, instance: LogEntry, created: bool, **_: Any) -> None:
    if created:
        audit.record(
            event="staff_edit",
            now=clock.now(),
            username=instance.user.get_username(),
            action=instance.get_action_flag_display(),
            object=f"{instance.content_type}:{instance.object_id}",
        )


@receiver(pre_save, sender=User)
def staff_password_changed(sender: Any, instance: User, **_: Any) -> None:
    """A staff password set or changed (back office, `createsuperuser`, `changepassword`): said, never shown."""
    before = User.objects.filter(pk=instance.pk).values_list("password", flat=True).first() if instance.pk else None
    if before != instance.password:
        audit.record(event="staff_password_set", now=clock.now(), username=instance.get_username())


@receiver(post_delete, sender=User)
@receiver(post_delete, sender=Group)
def staff_entry_deleted(sender: Any, instance: Any, **_: Any) -> None:
    """Deletions in bulk ("delete selected") write their admin history without signals: caught here."""
    audit.record(event="staff_deletion", now=clock.now(), object=f"{sender._meta.label}:{instance.pk}")
