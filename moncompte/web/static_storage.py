"""Static file URLs that change with the file: `/static/web/site.css?v=<12 hex of its SHA-256>`.

A reverse proxy (deploy/nginx) can then let browsers keep static files for a year: a release that changes a
file changes its URL. Files are found where they live (no collectstatic needed to serve them from the
application); the hash is computed once per file and process.
"""

import hashlib
from functools import cache

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import StaticFilesStorage


@cache
def file_version(name: str) -> str:
    found = finders.find(name)
    if not isinstance(found, str):
        return ""
    with open(found, "rb") as content:
        return hashlib.sha256(content.read()).hexdigest()[:12]


class VersionedStaticFilesStorage(StaticFilesStorage):
    def url(self, name: str | None) -> str:
        base = super().url(name)
        version = file_version(name) if name else ""
        return f"{base}?v={version}" if version else base
