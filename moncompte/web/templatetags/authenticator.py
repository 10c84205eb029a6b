"""R-SUP1: the authenticator address of a new staff member as a QR code, drawn here (segno): no other site
ever sees the secret it holds, and the page's policy lets the image in (img-src data:)."""

import segno
from django import template

register = template.Library()


@register.filter
def qr_code(address: str) -> str:
    """The address as a QR code, an SVG image in a data: URL, black on white with its quiet zone (any theme)."""
    return str(segno.make(address, error="m").svg_data_uri(scale=4, dark="#000", light="#fff"))
