"""`{% url %}` with each address worked out once per process (a builtin of the template engine: it takes the place
of Django's tag of the same name, with the same syntax and output).

The journey's pages ask for the same dozen addresses on every render, and `reverse()` rebuilt each one every
time: 16 % of a page's rendering, 2.4 % of the web workers' Python on the journey (issue 22;
bench/templates_bench.py --cached-reverse: the account page 518 → 296 µs, the link page 235 → 128 µs). An
address depends only on the URL configuration, the script prefix and the tag's arguments, so those are the key;
the URL configuration does not change while a process runs.
"""

from collections.abc import Hashable
from functools import lru_cache
from typing import Any

from django import template
from django.template import defaulttags
from django.template.base import Parser, Token
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = template.Library()
ADDRESSES_KEPT = 4096  # the desk's pages name people by number: bounded, the oldest forgotten first


@lru_cache(maxsize=ADDRESSES_KEPT)
def address_of(
    view_name: str,
    args: tuple[Hashable, ...],
    kwargs: tuple[tuple[str, Hashable], ...],
    current_app: str | None,
    prefix: str,
    urlconf: str | None,
) -> str:
    """`reverse()`'s answer, once per key (`prefix` and `urlconf` are part of it, not read here again)."""
    return reverse(view_name, urlconf=urlconf, args=list(args), kwargs=dict(kwargs), current_app=current_app)


def reversed_once(view_name: str, args: list[Any], kwargs: dict[str, Any], current_app: str | None) -> str:
    key_args, key_kwargs = tuple(args), tuple(sorted(kwargs.items()))
    try:
        hash((key_args, key_kwargs))
    except TypeError:  # an argument that cannot be a key: worked out each time, as Django's tag does
        return reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
    return address_of(view_name, key_args, key_kwargs, current_app, get_script_prefix(), get_urlconf())


class AddressNode(defaulttags.URLNode):
    def render(self, context: Any) -> str:
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        url = ""
        try:
            url = reversed_once(view_name, args, kwargs, current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser: Parser, token: Token) -> AddressNode:
    node = defaulttags.url(parser, token)  # Django's own reading of the tag's arguments
    return AddressNode(node.view_name, node.args, node.kwargs, node.asvar)
