"""The worker's periodic jobs, composed here, where the `worker` and `demo` commands assemble the worker: above
every app whose data they tidy, so the layering contracts see each call (the outbox, lowest of them, is handed
the jobs as callables and knows none of them). Each is `job(*, now) -> int`, how much it did."""

from collections.abc import Sequence

from moncompte.appsessions.tokens import app_sessions_purge
from moncompte.captcha.spent import spent_tokens_purge
from moncompte.core.throttle import events_purge
from moncompte.defence.watch import attack_mode_watch
from moncompte.enrollment.devices import devices_purge
from moncompte.enrollment.email_links import pending_emails_forget
from moncompte.messaging.notify import notices_queue
from moncompte.outbox.retention import outbox_purge
from moncompte.outbox.worker import Feeder, PeriodicJob
from moncompte.support.mail_servers import mail_domains_check
from moncompte.support.restarts import restart_requests_expire

PERIODIC_JOBS: Sequence[PeriodicJob] = (
    pending_emails_forget,  # R-EM7
    spent_tokens_purge,
    events_purge,
    outbox_purge,  # R-DLV1
    app_sessions_purge,  # R-API2
    attack_mode_watch,  # R-BOT1: attack mode on and off by itself
    restart_requests_expire,  # R-BOT2: restart requests nobody decided in time
    devices_purge,  # R-LIM8: device credentials expired or ended by a new personal code
    mail_domains_check,  # R-SUP4: the DNS asked about mail servers here, never while a desk page waits
)

# R-MSG5, R-DLV5: the message box's notifications, queued a batch at a time as the workers' lane runs low.
FEEDERS: Sequence[Feeder] = (notices_queue,)
