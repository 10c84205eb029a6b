"""A web process for the fault tests: each address given is one request that queues a code email, and the
request's end sends it (outbox/send_after_response.py, through Django's request signals, as under gunicorn).
The test can kill it in the middle of a send. Run: python -m tests.outbox.web_process ADDRESS..."""

import os
import sys


def main(addresses: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "moncompte.config.settings")
    import django

    django.setup()
    from django.core.signals import request_finished, request_started
    from django.db import transaction

    from moncompte.core import clock
    from moncompte.outbox.mail import enqueue

    for address in addresses:
        request_started.send(sender=None)
        with transaction.atomic():
            now = clock.now()
            enqueue(
                template="provisional_code",
                to=address,
                now=now,
                context={"first_name": "Camille", "last_name": "DURAND", "expires_at": now, "validity": "30 minutes"},
                secret_context={"code": "Ab3dEf7hJk"},
            )
        request_finished.send(sender=None)  # the response is out: the request sends what it queued


if __name__ == "__main__":
    main(sys.argv[1:])
