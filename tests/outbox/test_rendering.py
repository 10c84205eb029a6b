"""A batch of one template is rendered once per shape of context, each email's values put in its place (issue 24):
the same subject, text and HTML as rendering each email on its own, escaping included."""

import copy
from collections.abc import Callable
from pathlib import Path

import pytest
from django.test.signals import template_rendered

from moncompte.core.conf import conf
from moncompte.core.service_terms import service_terms
from moncompte.outbox.rendering import render_many, render_one

NAMES = [
    ("Camille", "DURAND", False),
    ("Zoé", "O'BRIEN & <FILS>", False),
    ('Jean "Jo"', "", False),  # an empty value is part of the shape
    ("Léa", "MARTIN", True),
    ("Ana&amp;", "PÉREZ", True),  # already looks escaped: escaped again, as the template does
]


def _contexts() -> list[dict[str, object]]:
    base = {"site_url": conf().site_url, "terms": service_terms()}
    return [
        {
            **base,
            "first_name": first,
            "last_name": last,
            "promotional": promotional,
            **({"unsubscribe_url": f"https://exemple.fr/desabonnement/{index}/?a=1&b=2"} if promotional else {}),
        }
        for index, (first, last, promotional) in enumerate(NAMES)
    ]


def _templates_rendered(render: Callable[[], object]) -> int:
    seen: list[object] = []

    def count(sender: object, **kwargs: object) -> None:
        seen.append(kwargs["template"])

    template_rendered.connect(count)
    try:
        render()
    finally:
        template_rendered.disconnect(count)
    return len(seen)


def test_a_batch_of_notifications_is_rendered_as_each_one_on_its_own_R_MSG5():
    contexts = _contexts() * 4
    assert render_many("message_notice", contexts) == [render_one("message_notice", c) for c in contexts]
    # three shapes of 20 (names and no unsubscribe link, an empty name, an unsubscribe link), each rendered twice:
    # with its markers, and its first email on its own to check them
    one_by_one = _templates_rendered(lambda: [render_one("message_notice", c) for c in contexts])
    assert _templates_rendered(lambda: render_many("message_notice", contexts)) * 20 == one_by_one * 3 * 2
    html = render_many("message_notice", contexts)[1][2]
    assert "O&#x27;BRIEN &amp; &lt;FILS&gt;" in html  # escaped in the HTML part
    assert "O'BRIEN & <FILS>" in render_many("message_notice", contexts)[1][1]  # not in the text part


def test_contexts_that_differ_only_in_a_value_that_is_not_text_are_two_shapes():
    # The same names, one flag apart: rendered from one shape, the second would read the first's flag.
    base = {"site_url": conf().site_url, "terms": service_terms(), "first_name": "Camille", "last_name": "DURAND"}
    base["unsubscribe_url"] = "https://exemple.fr/desabonnement/1/"
    contexts = [{**base, "promotional": False}, {**base, "promotional": True}]
    one_by_one = [render_one("message_notice", c) for c in contexts]
    assert one_by_one[0] != one_by_one[1]
    assert render_many("message_notice", contexts) == one_by_one


@pytest.fixture
def filtering(tmp_path: Path, settings):
    """Templates that change a value (a filter): `shouting` changes its marker too, `whispering` only the value."""
    folder = tmp_path / "outbox"
    folder.mkdir()
    for name, subject, text in [
        ("shouting", "Bonjour {{ first_name|upper }}", "{{ first_name }} {{ last_name }}"),
        ("whispering", "Bonjour {{ first_name }}", "{{ first_name }} {{ last_name|lower }}"),
    ]:
        (folder / f"{name}.subject.txt").write_text(subject)
        (folder / f"{name}.txt").write_text(text)
        (folder / f"{name}.html").write_text("<p>{{ first_name }}</p>")
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [tmp_path, *templates[0]["DIRS"]]
    settings.TEMPLATES = templates


@pytest.mark.usefixtures("filtering")
@pytest.mark.parametrize("template", ["shouting", "whispering"])
def test_a_template_that_changes_a_value_is_rendered_one_email_at_a_time(template):
    contexts = [{"first_name": "Zoé", "last_name": "DURAND"}, {"first_name": "Léa", "last_name": "MARTIN"}]
    assert render_many(template, contexts) == [render_one(template, context) for context in contexts]
    assert render_many(template, contexts)[1] != render_one(template, contexts[0])
