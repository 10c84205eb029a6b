"""WCAG 1.4.11 / R-A11Y5: the focus indicator reaches 3:1 against what surrounds it, computed in the page."""

import pytest
from playwright.sync_api import Page

pytestmark = pytest.mark.chromium

CONTRAST = """() => {
  const rgb = (text) => (text.match(/[\\d.]+/g) || []).slice(0, 4).map(Number);
  const luminance = ([r, g, b]) => {
    const linear = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
  };
  const background = (element) => {
    for (let node = element.parentElement; node; node = node.parentElement) {
      const colour = rgb(getComputedStyle(node).backgroundColor);
      if (colour.length === 3 || colour[3] > 0) return colour.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const element = document.activeElement;
  const style = getComputedStyle(element);
  const [a, b] = [luminance(rgb(style.outlineColor)), luminance(background(element))];
  const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  return { ratio, width: parseFloat(style.outlineWidth), tag: element.outerHTML.slice(0, 60) };
}"""


@pytest.mark.parametrize("path", ["/", "/creer-un-compte/", "/connexion/"])
def test_every_focus_ring_reaches_3_to_1_R_A11Y5(page: Page, live_server, path):
    page.goto(live_server.url + path)
    seen = 0
    for _ in range(25):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement === document.body"):
            break
        found = page.evaluate(CONTRAST)
        assert found["width"] >= 2, found
        assert found["ratio"] >= 3, found
        seen += 1
    assert seen >= 3
