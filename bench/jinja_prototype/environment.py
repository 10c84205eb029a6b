"""The Jinja2 environment of bench/templates_bench.py's prototype pages (issue 22: Jinja2 where it measures faster,
with the same HTML).

The prototype pages (templates/web/*.jinja, ported from moncompte/web/templates/web/*.html) must write exactly
what the Django templates write (the benchmark compares both), so values are written as Django writes them:
- every `{{ value }}` goes through `as_django_writes` (`finalize`): Django writes `'` as `&#x27;` and `"` as
  `&quot;` where MarkupSafe would write `&#39;` and `&#34;`; what is marked safe (a form field, a masked address,
  the CSRF input) is written as it is, as Django would; a string literal Django would take as safe is marked
  `|safe` in the template;
- the filters are Django's own (`date` and `time` on local time, as Django's template engine gives them);
- a template's last line break is kept, as Django keeps it (it matters for includes).
"""

import html
from datetime import date, datetime, time
from typing import Any

from django import urls
from django.template import defaultfilters
from django.templatetags.static import static
from django.utils.formats import localize
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]  # not in django-stubs
from jinja2 import Environment
from markupsafe import Markup

from moncompte.accounts.password_policy import checklist
from moncompte.web.templatetags.errors import with_field_name
from moncompte.web.templatetags.masked import masked_email


def url(name: str, *args: Any) -> str:
    """`{% url 'web:info' 'aide' %}` is `url('web:info', 'aide')`."""
    return urls.reverse(name, args=args)  # looked up at each call: --cached-reverse replaces it


def _date(value: date | datetime | None, arg: str) -> str:
    return defaultfilters.date(template_localtime(value), arg)


def _time(value: datetime | time | None, arg: str) -> str:
    return defaultfilters.time(template_localtime(value), arg)


def _join(value: list[Any], arg: str) -> str:
    return str(defaultfilters.join(value, arg, autoescape=True))  # a SafeString: str keeps it safe


def as_django_writes(value: Any) -> Any:
    """`{{ value }}` as Django writes it (django.template.base.render_value_in_context): what is marked safe as
    it is, anything else localized and escaped with Django's entities. Django's own `conditional_escape` costs
    twice as much here (its lazy-string wrapper, at every value of every page)."""
    if hasattr(value, "__html__"):
        return value
    if type(value) is not str:
        value = str(localize(template_localtime(value)))
    return Markup(html.escape(value))  # noqa: S704 (escaped here, with Django's entities)


def environment(**options: Any) -> Environment:
    options.pop("autoescape", None)  # always on, whatever the settings say
    env = Environment(autoescape=True, keep_trailing_newline=True, finalize=as_django_writes, **options)
    env.globals.update({"url": url, "static": static, "personal_code_checklist": checklist})
    env.filters.update(
        {
            "pluralize": defaultfilters.pluralize,
            "capfirst": defaultfilters.capfirst,
            "join": _join,
            "date": _date,
            "time": _time,
            "masked_email": masked_email,
            "with_field_name": with_field_name,
        }
    )
    return env
