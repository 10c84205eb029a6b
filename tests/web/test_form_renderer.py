"""The quick renderer writes the same HTML as Django's templates, on every field of every form of the site."""

import pytest
from django import forms
from django.forms.renderers import BaseRenderer, DjangoTemplates

from moncompte.web.form_renderer import QuickInputRenderer
from moncompte.web.forms.account import EmailChangeForm, PasswordChangeForm
from moncompte.web.forms.journey import CodeForgotForm, ContactForm, IdentityForm, PasswordForm, SignInForm

FORMS = [IdentityForm, CodeForgotForm, SignInForm, PasswordForm, ContactForm, EmailChangeForm, PasswordChangeForm]
HOSTILE = '"><script>alert(1)</script>&amp;é'


def every_field_drawn(form: forms.Form) -> list[str]:
    drawn = []
    for bound in form:
        drawn.append(str(bound))
        if isinstance(bound.field.widget, forms.RadioSelect):
            drawn += [str(choice.tag()) for choice in bound]
            drawn += [str(choice) for choice in bound]  # the label-wrapped form
    return drawn


def drawn_with(renderer: BaseRenderer, form_class: type[forms.Form], data: dict[str, str] | None) -> list[str]:
    form = form_class(data, renderer=renderer)
    if data is not None:
        form.is_valid()  # errors add aria-invalid and aria-describedby
    return every_field_drawn(form)


@pytest.mark.parametrize("form_class", FORMS, ids=lambda form: form.__name__)
@pytest.mark.parametrize("typed", ["empty", "hostile", "none"])
def test_quick_inputs_are_the_same_html_as_django_templates(form_class, typed):
    data = None if typed == "none" else {name: "" if typed == "empty" else HOSTILE for name in form_class.base_fields}
    expected = drawn_with(DjangoTemplates(), form_class, data)
    assert drawn_with(QuickInputRenderer(), form_class, data) == expected
    assert any("<input" in html for html in expected)


def test_a_value_is_escaped_in_quick_inputs():
    html = str(SignInForm({"nir": HOSTILE}, renderer=QuickInputRenderer())["nir"])
    assert "<script>" not in html
    assert "&quot;&gt;&lt;script&gt;" in html
