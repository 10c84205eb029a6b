"""Django's form renderer, with the plain `<input>` written in Python.

Django draws every input through three nested templates (the widget, input.html, attrs.html): about 0.2 ms of
CPU per field, several milliseconds on a page of the journey. The HTML written here is the same, character for
character (tests/web/test_form_renderer.py compares both on every field of the site); any other widget still
goes through its template.
"""

from typing import Any

from django.forms.renderers import DjangoTemplates
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString

PLAIN_INPUTS = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in ("input", "text", "email", "password", "hidden", "number", "tel", "url", "search")
)
OPTIONS = frozenset({"django/forms/widgets/radio_option.html", "django/forms/widgets/checkbox_option.html"})


def _input(widget: dict[str, Any]) -> SafeString:
    value = format_html(' value="{}"', str(widget["value"])) if widget["value"] is not None else ""
    attrs = [
        format_html(" {}", name) if value is True else format_html(' {}="{}"', name, str(value))
        for name, value in widget["attrs"].items()
        if value is not False
    ]
    return format_html(
        '<input type="{}" name="{}"{}{}>', widget["type"], widget["name"], value, SafeString("".join(attrs))
    )


class QuickInputRenderer(DjangoTemplates):
    def render(self, template_name: str, context: dict[str, Any], request: HttpRequest | None = None) -> str:
        if template_name in PLAIN_INPUTS:
            return _input(context["widget"])
        if template_name in OPTIONS:
            widget = context["widget"]
            if not widget.get("wrap_label"):
                return _input(widget)
            label_for = format_html(' for="{}"', widget["attrs"]["id"]) if widget["attrs"].get("id") else ""
            # The included input.html ends with a line break, which Django's output keeps before the label.
            return format_html("<label{}>{}\n {}</label>", label_for, _input(widget), widget["label"])
        return super().render(template_name, context, request)
