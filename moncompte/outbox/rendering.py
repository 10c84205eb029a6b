"""The three renderings of an email (subject, text, HTML) from its template, for one email or for a batch of one
template (a campaign's notifications: R-MSG5, R-DLV5).

Issue 24: rendering the three templates of every notification was most of the feeding of the notifications lane
(21 % of a worker's CPU in the profile of `bench/campaign.py`). A batch renders them once per shape of context
(its keys and every value that is not text, such as `promotional`), each text value standing as a marker, and
each email's renderings are the markers replaced by its values, HTML-escaped where the template escaped them.
Each marker carries a "&", so the rendering itself says where it was escaped ("&amp;") and where not (the
text part's `autoescape off`, `|safe`). The first email of each shape is rendered both ways and compared: a
template that changes a value (a filter such as `|upper`) gets that shape rendered one email at a time, as
`render_one` does. Empty text values are part of the shape, rendered as such. What the comparison cannot see is
a template that treats values of one shape differently by their content (`{% if first_name == "Zoé" %}`,
`|truncatechars` on a long name): the email templates have none, and must keep it so."""

from collections.abc import Iterable, Sequence
from typing import Any

from django.template.loader import render_to_string
from django.utils.html import escape

Rendered = tuple[str, str, str]  # subject, text, HTML
_OPEN, _CLOSE = "\ue000", "\ue001"  # private-use characters: in no template, in no value we write


def render_one(template: str, context: dict[str, Any]) -> Rendered:
    subject = render_to_string(f"outbox/{template}.subject.txt", context).strip()
    return (
        subject,
        render_to_string(f"outbox/{template}.txt", context),
        render_to_string(f"outbox/{template}.html", context),
    )


def render_many(template: str, contexts: Sequence[dict[str, Any]]) -> list[Rendered]:
    """render_one of each context, in order, the templates rendered once per shape of context."""
    shapes: dict[tuple[object, ...], _Shape | None] = {}
    out = []
    for context in contexts:
        key = _shape_key(context)
        if key not in shapes:
            shapes[key] = _Shape.made(template, context)
        shape = shapes[key]
        out.append(shape.filled(context) if shape is not None else render_one(template, context))
    return out


def _texts(context: dict[str, Any]) -> Iterable[str]:
    """The values a marker stands for: text, not empty, without the markers' characters (the others are part of
    the shape, rendered as they are)."""
    return (
        name
        for name, value in context.items()
        if type(value) is str and value and _OPEN not in value and _CLOSE not in value
    )


def _shape_key(context: dict[str, Any]) -> tuple[object, ...]:
    texts = set(_texts(context))
    return tuple(sorted((name, name in texts or repr(value)) for name, value in context.items()))


class _Shape:
    """The renderings of one shape, markers in place of its text values."""

    def __init__(self, names: list[str], rendered: Rendered) -> None:
        self.names, self.rendered = names, rendered

    @classmethod
    def made(cls, template: str, context: dict[str, Any]) -> "_Shape | None":
        names = sorted(_texts(context))
        markers = {name: f"{_OPEN}{name}&{_CLOSE}" for name in names}
        rendered = render_one(template, {**context, **markers})
        shape = cls(names, rendered)
        # The first email of the shape, rendered both ways: a template that changed a marker (a filter) leaves it
        # in place, unreplaced; one that changes a value but not its marker (`|lower`) gives another text.
        return shape if shape.filled(context) == render_one(template, context) else None

    def filled(self, context: dict[str, Any]) -> Rendered:
        subject, text, html = self.rendered
        for name in self.names:
            value = str(context[name])
            raw, escaped = f"{_OPEN}{name}&{_CLOSE}", f"{_OPEN}{name}&amp;{_CLOSE}"
            safe = escape(value)
            subject = subject.replace(escaped, safe).replace(raw, value)
            text = text.replace(escaped, safe).replace(raw, value)
            html = html.replace(escaped, safe).replace(raw, value)
        return subject.strip(), text, html  # as render_one strips the subject once rendered
