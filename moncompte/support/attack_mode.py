"""R-BOT1: a supervisor switches attack mode on or off with a reason, written to the audit log; anybody else is
refused, and the refusal is written too (R-SUP7)."""

from datetime import datetime

from django.db import transaction

from moncompte.audit import log as audit
from moncompte.defence.mode import SUPERVISOR, attack_mode_switch
from moncompte.support.actions import (
    ReasonMissing,
    Staff,
    SupervisorOnly,
    actions_counted,
    reason_checked,
    reason_clean,
)
from moncompte.support.roles import Role


def attack_mode_set(*, active: bool, staff: Staff, reason: str, now: datetime) -> bool:
    """Switches attack mode on (`active`) or off; True if its state changed (a supervisor confirming the
    current state still writes the reason, and holds the automatic switch back: mode.attack_mode_switch)."""
    wanted = "on" if active else "off"
    typed = reason_clean(reason)
    try:
        if staff.role is not Role.SUPERVISOR:
            raise SupervisorOnly()
        reason_checked(typed)
    except (SupervisorOnly, ReasonMissing) as refusal:
        audit.record(
            event="support_attack_mode_refused",
            now=now,
            client=staff.client,
            staff=staff.username,
            wanted=wanted,
            why=refusal.code,
            reason=typed,
        )
        raise
    actions_counted(staff, now=now)
    with transaction.atomic():
        changed = attack_mode_switch(
            active=active, now=now, source=SUPERVISOR, reason=typed, staff_username=staff.username
        )
        audit.record(
            event=f"support_attack_mode_{wanted}",
            now=now,
            client=staff.client,
            staff=staff.username,
            reason=typed,
            changed="oui" if changed else "non",
        )
    return changed
