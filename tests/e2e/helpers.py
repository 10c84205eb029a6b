"""Helpers the end-to-end tests share (fixtures live in conftest.py, which tests never import)."""

import time
from pathlib import Path

from playwright.sync_api import Page

from moncompte.outbox.sink import Received, received


def wait_for_mail(maildir: Path, *, to: str, count: int = 1, seconds: float = 15) -> Received:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        mails = [m for m in received(maildir) if to in str(m.message["To"])]
        if len(mails) >= count:
            return mails[0]
        time.sleep(0.1)
    raise AssertionError(f"no email for {to} after {seconds} s")


def assert_accessible(page: Page) -> None:
    """axe-core in the page: no serious or critical violation (R-A11Y1..3)."""
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]
    assert not serious, f"{page.url}: {serious}"
