"""web/templatetags/addresses.py: the engine's {% url %} writes what Django's tag writes, worked out once per
process for the same arguments, script prefix and URL configuration (issue 22)."""

import pytest
from django.template import Context, Engine, Template
from django.template.engine import Engine as DjangoEngine
from django.test import RequestFactory
from django.urls import NoReverseMatch, clear_script_prefix, reverse, set_script_prefix

from moncompte.web.templatetags.addresses import address_of

PAGES = (
    "{% url 'web:identity' %}|{% url 'web:info' 'aide' %}|{% url 'web:info' name='accessibilite' %}"
    "|{% url 'admin:desk_person' 42 %}|{% url 'web:home' as home %}{{ home }}"
)


def rendered(source: str, **context: object) -> str:
    return Template(source, engine=Engine.get_default()).render(Context(context))


def rendered_by_django(source: str, **context: object) -> str:
    return Template(source, engine=DjangoEngine(app_dirs=True)).render(Context(context))


@pytest.fixture(autouse=True)
def fresh_addresses():
    address_of.cache_clear()
    yield
    clear_script_prefix()


def test_the_engine_s_url_tag_is_ours():
    assert "moncompte.web.templatetags.addresses" in Engine.get_default().builtins


def test_each_address_is_what_django_s_tag_writes():
    assert rendered(PAGES) == rendered_by_django(PAGES)
    assert rendered(PAGES).split("|")[:2] == [reverse("web:identity"), reverse("web:info", args=["aide"])]


def test_the_same_address_is_worked_out_once_then_read():
    rendered("{% url 'web:identity' %}")
    misses = address_of.cache_info().misses
    for _ in range(3):
        assert rendered("{% url 'web:identity' %}") == reverse("web:identity")
    assert address_of.cache_info().misses == misses
    assert address_of.cache_info().hits >= 3


def test_other_arguments_give_another_address():
    assert rendered("{% url 'admin:desk_person' n %}", n=1) != rendered("{% url 'admin:desk_person' n %}", n=2)
    assert rendered("{% url 'admin:desk_person' n %}", n=2) == reverse("admin:desk_person", args=[2])


def test_a_service_served_under_a_prefix_gets_its_prefixed_addresses():
    assert rendered("{% url 'web:identity' %}") == "/creer-un-compte/"
    set_script_prefix("/ameli/")
    assert rendered("{% url 'web:identity' %}") == "/ameli/creer-un-compte/"


def test_an_unknown_address_fails_as_with_django_unless_kept_in_a_variable():
    with pytest.raises(NoReverseMatch):
        rendered("{% url 'web:no_such_page' %}")
    assert rendered("{% url 'web:no_such_page' as nowhere %}[{{ nowhere }}]") == "[]"


def test_an_argument_that_cannot_be_a_key_is_worked_out_each_time():
    class Page(str):
        __hash__ = None  # type: ignore[assignment]

    assert rendered("{% url 'web:info' page %}", page=Page("aide")) == reverse("web:info", args=["aide"])
    assert address_of.cache_info().currsize == 0


def test_the_admin_s_namespace_follows_the_request_s_current_app():
    request = RequestFactory().get("/support/")
    request.current_app = "admin"
    source = "{% url 'admin:desk_person' 7 %}"
    assert Template(source, engine=Engine.get_default()).render(Context({"request": request})) == reverse(
        "admin:desk_person", args=[7], current_app="admin"
    )
