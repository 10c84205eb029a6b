"""R-DLV4: what Prometheus reads at /metrics. Counters are counted where things happen, after the commit of
the change they count; the queue's depth and age are read from the database at each scrape.

Several processes (gunicorn workers, mail workers) count into files under PROMETHEUS_MULTIPROC_DIR, which
`moncompte serve`, `worker` and `bounces` set before anything imports prometheus_client (moncompte/config/launcher.py).
"""

from collections.abc import Callable

from django.db import transaction
from prometheus_client import Counter, Gauge, Histogram

# Every event of the security log, by name: the journey's steps (provisional_code_sent, password_chosen,
# contact_details_given, email_confirmed, …) and its refusals. Counted by audit.record.
events = Counter("moncompte_events", "Événements du journal de sécurité (étapes du parcours, refus)", ["event"])
emails_enqueued = Counter("moncompte_emails_enqueued", "Courriels mis en file", ["template", "provider"])
emails_delivered = Counter(
    "moncompte_emails_delivered", "Courriels remis au serveur du destinataire (250)", ["template", "provider"]
)
emails_failed = Counter("moncompte_emails_failed", "Courriels abandonnés après échec", ["template", "provider"])
email_reports = Counter(
    "moncompte_email_reports", "Rapports reçus après remise (retours, plaintes)", ["kind", "provider"]
)
# A link works 7 days: every confirmation counted here came within 7 days of its link.
emails_confirmed = Counter("moncompte_emails_confirmed", "Adresses confirmées par le lien", ["provider"])
delivery_seconds = Histogram(
    "moncompte_email_delivery_seconds",
    "De la mise en file à l'acceptation par le serveur SMTP",
    ["template"],
    buckets=(0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600, 86400),
)

# The RED method for the web (counted by moncompte.web.request_metrics): every label comes from a fixed set —
# the route's name (or pattern), never the path, which holds tokens and would grow without end.
http_requests = Counter(
    "moncompte_http_requests", "Requêtes servies, par route, méthode et statut", ["route", "method", "status"]
)
http_request_seconds = Histogram(
    "moncompte_http_request_duration_seconds",
    "Durée des requêtes, de leur arrivée dans Django à leur réponse",
    ["route"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
# livesum: the sum over the processes alive now; a gunicorn worker that died has its file dropped by the
# master (moncompte/web/gunicorn_conf.py, child_exit), else a request it was serving would stay in flight.
http_requests_in_flight = Gauge("moncompte_http_requests_in_flight", "Requêtes en cours", multiprocess_mode="livesum")


def after_commit(action: Callable[[], None]) -> None:
    """Counts only what the database kept: at once outside a transaction, at its commit inside one."""
    transaction.on_commit(action)
