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


# R-A11Y4: every WCAG 2.x A/AA tag up to 2.2 and axe's best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def assert_accessible(page: Page) -> None:
    """axe-core finds nothing of any impact (R-A11Y4), and the page reflows at 320 px and with 200 % text."""
    page.wait_for_load_state("load")  # style sheets applied: axe measures sizes and colours
    assert_axe_finds_nothing(page)
    assert_reflows(page)


def assert_reflows(page: Page) -> None:
    """WCAG 1.4.10 and 1.4.4 (R-A11Y3): no horizontal scrolling at 320 px wide, nor with text twice as
    large at 1280 px (the style sheet sizes text in rem, as a browser's font-size setting does)."""
    size = page.viewport_size
    try:
        page.set_viewport_size({"width": 320, "height": 640})
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{page.url}: {width} px wide at 320 px"
        page.set_viewport_size({"width": 1280, "height": 720})
        page.evaluate("document.documentElement.style.fontSize = '200%'")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 1280, f"{page.url}: {width} px wide with 200 % text at 1280 px"
    finally:
        page.evaluate("document.documentElement.style.fontSize = ''")
        if size:
            page.set_viewport_size(size)


# Every word of the part of the page named by a selector, and the lines it is drawn on: a word drawn on two lines
# was broken inside (the browser gives one box per line of a range). Text for screen readers only (in a box of
# 1 px, .visually-hidden) is not drawn for anyone: left out.
WORDS_BROKEN = """(selector) => {
    const broken = [];
    const unseen = (element) => {
        for (let at = element; at; at = at.parentElement) if (at.getBoundingClientRect().width <= 1) return true;
        return false;
    };
    const walker = document.createTreeWalker(document.querySelector(selector), NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (unseen(node.parentElement)) continue;
        for (const found of node.data.matchAll(/\\S+/g)) {
            const range = document.createRange();
            range.setStart(node, found.index);
            range.setEnd(node, found.index + found[0].length);
            const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
            if (tops.size > 1) broken.push(found[0]);
        }
    }
    return broken;
}"""


def assert_words_whole(page: Page, selector: str) -> None:
    """Issue 23: at 320 px, no word of `selector` is cut across two lines (a table squeezed into narrow columns
    does that while the page still fits its width, which assert_reflows alone does not see)."""
    size = page.viewport_size
    try:
        page.set_viewport_size({"width": 320, "height": 640})
        broken = page.evaluate(WORDS_BROKEN, selector)
        assert not broken, f"{page.url}: words cut at 320 px in {selector}: {broken}"
    finally:
        if size:
            page.set_viewport_size(size)


def assert_axe_finds_nothing(page: Page) -> None:
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    violations = Axe().run(page, options=options).response["violations"]
    found = [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}" for v in violations]
    assert not found, f"{page.url}: {found}"
