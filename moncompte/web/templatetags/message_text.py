"""R-MSG3: a message's plain text as a page shows it: escaped, line ends kept, each web address a link, and a
link to another site than this one said to be so (the person sees where it leads before following it)."""

import re
from urllib.parse import urlsplit

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from moncompte.core.conf import conf

register = template.Library()
ADDRESS = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
TRAILING = ".,;:!?)]}»"


def _link(address: str) -> SafeString:
    host = (urlsplit(address).hostname or "").lower()
    if host == (urlsplit(conf().site_url).hostname or "").lower():
        return format_html('<a href="{}">{}</a>', address, address)
    return format_html(
        '<a href="{}" rel="noopener noreferrer" class="external">{}<span class="external-note"> (site extérieur : {})'
        "</span></a>",
        address,
        address,
        host,
    )


@register.filter
def message_text(body: str) -> SafeString:
    parts, position = list[str](), 0
    for found in ADDRESS.finditer(body):
        address = found[0].rstrip(TRAILING)
        parts += [escape(body[position : found.start()]), _link(address)]
        position = found.start() + len(address)
    parts.append(escape(body[position:]))
    return mark_safe("".join(parts).replace("\n", "<br>\n"))  # noqa: S308 - every part above is escaped
