"""Issue 20: one schema per shape. The OpenAPI document names a schema by its class name alone, so two classes of
one name would silently become one; two classes of the same members would be one shape written twice."""

import pytest
from ninja import Schema

from moncompte.api.app import api
from moncompte.api.internal import internal_api

# Opens no database: the PostgreSQL pass would run it again unchanged (tests/conftest.py).
pytestmark = pytest.mark.without_database


def api_schemas() -> list[type[Schema]]:
    found, todo = [], list(Schema.__subclasses__())
    while todo:
        kind = todo.pop()
        todo.extend(kind.__subclasses__())
        if kind.__module__.startswith("moncompte.api."):
            found.append(kind)
    return found


def test_every_schema_of_the_api_has_its_own_name_and_its_own_members():
    schemas = api_schemas()
    assert len(schemas) >= 20
    names = [kind.__name__ for kind in schemas]
    assert sorted(names) == sorted(set(names))
    shapes = [frozenset((name, str(field.annotation)) for name, field in kind.model_fields.items()) for kind in schemas]
    assert len(set(shapes)) == len(shapes)


def test_the_document_holds_every_schema_of_the_api():
    """Each schema is in a document (the app's, the services', R-MSG8), or only lends its members to schemas that
    are (CaptchaIn)."""
    documents = [api.get_openapi_schema(), internal_api.get_openapi_schema()]
    documented = {name for document in documents for name in document["components"]["schemas"]}
    for kind in api_schemas():
        assert kind.__name__ in documented or (
            kind.__subclasses__() and all(sub.__name__ in documented for sub in kind.__subclasses__())
        ), kind.__name__
