"""The personal code's checklist (R-PW7) as the domain writes it, for the pages that choose a code."""

from django import template

from moncompte.accounts.password_policy import ChecklistLine, checklist

register = template.Library()


@register.simple_tag
def personal_code_checklist() -> tuple[ChecklistLine, ...]:
    return checklist()
