"""Masked email addresses, readable by screen readers and wrapping on narrow screens (R-A11Y4, R-A11Y3)."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()
BULLET = "•"


def spoken(masked: str) -> str:
    """'c•••••e@example.fr' -> 'c, 5 caractères masqués, e, arobase example.fr' (not twelve "puce")."""
    local, _, domain = masked.partition("@")
    hidden = local.count(BULLET)
    shown = [c for c in local if c != BULLET]
    if not hidden:
        return masked
    middle = f"{hidden} caractère{'s' if hidden > 1 else ''} masqué{'s' if hidden > 1 else ''}"
    parts = [shown[0], middle, *shown[1:]] if shown else [middle]
    return f"{', '.join(parts)}, arobase {domain}"


@register.filter
def masked_email(masked: str) -> SafeString:
    if not masked:
        return format_html("")
    return format_html(
        '<span class="masked-email"><span aria-hidden="true">{}</span><span class="visually-hidden">{}</span></span>',
        masked,
        spoken(masked),
    )
