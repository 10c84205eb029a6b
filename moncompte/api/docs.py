"""The API's documentation page (/api/v1/docs): Swagger UI, served from the site itself, in a page of ours that
is accessible as every other page of the service (R-A11Y4): French, landmarks, contrasts, targets."""

from ninja.openapi.docs import Swagger


class ApiDocs(Swagger):
    template = "api/docs.html"  # moncompte/web/templates/api/docs.html, with web/api-docs.css
    default_settings = {
        "layout": "BaseLayout",
        # Swagger UI's deep links put a link inside each operation's button (nested interactive controls).
        "deepLinking": False,
        # Its colouring of examples is too pale on their dark background: plain text is read as well.
        "syntaxHighlight": {"activated": False},
    }
