"""R-A11Y6: error pages in French, in the layout, with a way back; the 500 page needs no database."""

import pytest
from django.test import Client as HttpClient
from django.urls import reverse


def assert_site_page(response, status: int, heading: str) -> None:
    page = response.content.decode()
    assert response.status_code == status
    assert '<html lang="fr">' in page
    assert f"<h1>{heading}</h1>" in page
    assert 'href="/"' in page  # a way back
    assert 'class="site-header"' in page  # the layout


@pytest.mark.django_db
def test_a_missing_page_is_french_and_in_the_layout(client):
    assert_site_page(client.get("/nulle-part/"), 404, "Page introuvable")


@pytest.mark.django_db
def test_a_method_a_page_does_not_take_gets_a_french_page(client):
    response = client.put(reverse("web:home"))
    assert_site_page(response, 405, "Action impossible")
    assert "GET" in response["Allow"]


def test_the_500_page_is_french_and_needs_no_database(settings):
    """No database access is allowed in this test: the error page must not need one."""
    settings.ROOT_URLCONF = "tests.security.errors_urls"
    response = HttpClient(raise_request_exception=False).get("/panne/")
    assert_site_page(response, 500, "Le service rencontre un problème")
    assert response["X-Request-Id"] in response.content.decode()


@pytest.mark.django_db
def test_a_form_in_an_unreadable_charset_gets_a_french_400(client):
    response = HttpClient(raise_request_exception=False).post(
        reverse("web:sign_in"), "nir=\u00e9", content_type="application/x-www-form-urlencoded; charset=utf-16"
    )
    assert response.status_code in (400, 403)
    assert '<html lang="fr">' in response.content.decode()
