import os
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from moncompte.outbox import worker
from moncompte.outbox.transport import SmtpTransport
from moncompte.registry.models import Beneficiary

# Playwright's sync API keeps an event loop in the test thread; the ORM calls the tests make there are
# ordinary blocking calls, so Django's async guard does not apply.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def delivering(smtp_sink, transactional_db) -> Iterator[Path]:
    """The outbox worker running in the background, as in the demo, delivering to the local SMTP sink."""
    controller, maildir = smtp_sink
    stop = threading.Event()
    thread = threading.Thread(
        target=worker.run,
        kwargs={"stop": stop, "transport": SmtpTransport(host=controller.hostname, port=controller.port)},
        daemon=True,
    )
    thread.start()
    yield maildir
    stop.set()
    thread.join(timeout=10)


@pytest.fixture(autouse=True)
def links_point_at_the_live_server(request, settings):
    if "live_server" in request.fixturenames:
        live_server = request.getfixturevalue("live_server")
        settings.MONCOMPTE = replace(settings.MONCOMPTE, site_url=live_server.url)


@pytest.fixture
def camille(transactional_db) -> Beneficiary:
    """A fictitious insured person, in a database the live server and the worker thread share."""
    return Beneficiary.objects.create(
        nir="2840588321025", last_name="DURAND", first_name="Camille", birth_date="1984-05-03", postal_code="88100"
    )
