"""Periodic clean-up run by the worker: expired CAPTCHAs and rate-limit rows past every window."""

import logging
from datetime import timedelta

from moncompte.captcha.challenges import challenges_purge
from moncompte.core import clock, throttle

logger = logging.getLogger("moncompte.housekeeping")
LONGEST_WINDOW = timedelta(days=1)


def housekeeping_run() -> None:
    now = clock.now()
    challenges = challenges_purge(now=now)
    events = throttle.purge(before=now - LONGEST_WINDOW)
    if challenges or events:
        logger.info("ménage : %s CAPTCHA expirés, %s compteurs périmés supprimés", challenges, events)
