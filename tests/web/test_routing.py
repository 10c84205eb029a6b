"""R-SEC1: the web's pages follow the domain's table of steps (accounts.steps)."""

from moncompte.accounts.steps import AccountStep
from moncompte.web.routing import PAGE_OF_STEP


def test_every_step_of_the_domain_has_its_page_R_SEC1():
    assert set(PAGE_OF_STEP) == set(AccountStep)
