"""An error as the summary at the top of a form says it (R-A11Y1): with the field's name, said once."""

from django import template

register = template.Library()


@register.filter
def with_field_name(error: str, label: str) -> str:
    """ "Numéro de sécurité sociale : Le numéro doit…", but "Ce champ est obligatoire : Numéro de sécurité
    sociale." as it is: the shared messages (web and app) already name their field."""
    return str(error) if not label or str(label) in str(error) else f"{label} : {error}"
