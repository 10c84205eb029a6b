"""Static URLs carry the hash of their file, so a proxy may let browsers keep them for a year (issue 14)."""

import hashlib
import re

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static

pytestmark = pytest.mark.django_db


def test_a_static_url_carries_the_hash_of_its_file():
    path = finders.find("web/site.css")
    assert isinstance(path, str)
    with open(path, "rb") as content:
        expected = hashlib.sha256(content.read()).hexdigest()[:12]
    assert static("web/site.css") == f"/static/web/site.css?v={expected}"


def test_pages_link_versioned_files_that_are_served(client):
    page = client.get("/").content.decode()
    links = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    assert links
    for link in links:
        assert re.search(r"\?v=[0-9a-f]{12}$", link), link
        response = client.get(link)
        assert response.status_code == 200, link
        response.close()
