"""Periodic work run by the worker: unconfirmed addresses forgotten after 21 days (R-EM7), expired
CAPTCHAs and rate-limit rows past every window."""

import logging
from datetime import timedelta

from moncompte.captcha.challenges import challenges_purge
from moncompte.core import clock, throttle
from moncompte.enrollment.email_links import pending_emails_forget

logger = logging.getLogger("moncompte.housekeeping")
LONGEST_WINDOW = timedelta(days=1)


def housekeeping_run() -> None:
    now = clock.now()
    pending_emails_forget(now=now)
    challenges = challenges_purge(now=now)
    events = throttle.purge(before=now - LONGEST_WINDOW)
    if challenges or events:
        logger.info("ménage : %s CAPTCHA expirés, %s compteurs périmés supprimés", challenges, events)
