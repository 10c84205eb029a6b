"""R-SUP4: finding a person by NIR (13 or 15 characters, spaces allowed), exact email address, or account
number; R-SUP2: a staff member's search needs a reason and is written to the audit log with it."""

import re
from datetime import datetime

from django.db.models import Q

from moncompte.accounts.emails import as_written, canonical
from moncompte.accounts.models import Account, EmailAddress
from moncompte.audit import log as audit
from moncompte.support.actions import Staff, reason_checked


def person_search(*, query: str, reason: str, staff: Staff, now: datetime) -> list[int]:
    """The accounts the query names, the search written to the audit log with its reason and how many it found.
    Raises ReasonMissing (nothing searched, nothing written) for a reason too short."""
    typed = reason_checked(reason)
    found = person_find(query)
    audit.record(
        event="support_search", now=now, client=staff.client, staff=staff.username, reason=typed, found=str(len(found))
    )
    return found


def person_find(query: str) -> list[int]:
    """Account numbers matching the query, newest first (an address or a NIR names one account at most)."""
    text = query.strip()
    if "@" in text:
        text = as_written(text)  # as stored: a domain with accents is found typed either way (IDNA)
        by_address = EmailAddress.objects.filter(canonical=canonical(text)).values_list("account_id", flat=True)
        ids = set(by_address) | set(Account.objects.filter(code_email__iexact=text).values_list("pk", flat=True))
        return sorted(ids, reverse=True)
    compact = re.sub(r"[\s.]", "", text).upper()
    if re.fullmatch(r"[0-9AB]{13}([0-9]{2})?", compact) and len(compact) in (13, 15):
        return list(Account.objects.filter(beneficiary__nir=compact[:13]).values_list("pk", flat=True))
    if re.fullmatch(r"\d{1,12}", compact):
        return list(Account.objects.filter(Q(pk=int(compact))).values_list("pk", flat=True))
    return []
