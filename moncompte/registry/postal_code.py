"""The postal code typed at the identity step (R-ID1), compared with the registry's."""

from moncompte.core.errors import DomainError


class PostalCodeInvalid(DomainError):
    code = "postal_code_invalid"
    field = "postal_code"
    message = "Le code postal comporte 5 chiffres, par exemple 75011."


def postal_code_parse(raw: str) -> str:
    """R-ID1: five ASCII digits, spaces ignored ("75 011"). Anything else is a typing mistake, told as such: it
    never reaches the registry, where it would count as one of the hour's identity failures (R-ID2)."""
    value = "".join(raw.split())
    if len(value) != 5 or not value.isascii() or not value.isdigit():
        raise PostalCodeInvalid()
    return value
