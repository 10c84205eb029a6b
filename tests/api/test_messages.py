"""« Ma messagerie » in the app (R-MSG3, R-MSG4, R-API1): the same use cases as the web's pages."""

import pytest

from moncompte.messaging.models import Message
from tests import factories
from tests.api.test_sessions import NIR, call
from tests.factories import PERSONAL_CODE
from tests.messaging.helpers import post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("traveller")]


@pytest.fixture
def signed_in(code_sent, now):
    account = factories.active(code_sent, now).account
    _, body, _ = call("post", "/sessions", nir=NIR, code=PERSONAL_CODE, device_name="iPhone")
    return account, body["access_token"]


def test_the_app_lists_reads_and_deletes_messages_R_MSG3_R_MSG4(signed_in, now):
    account, token = signed_in
    older = post(account.pk, now, subject="Ancien")
    newer = post(account.pk, now, subject="Récent", body="Voir https://autre.example/")
    status, box, _ = call("get", "/messages", token)
    assert status == 200
    assert ([m["subject"] for m in box["messages"]], box["unread"]) == (["Récent", "Ancien"], 2)
    assert "body" not in box["messages"][0]
    status, shown, _ = call("get", f"/messages/{newer.pk}", token)
    assert (status, shown["body"]) == (200, "Voir https://autre.example/")
    assert call("get", "/messages", token)[1]["unread"] == 1
    status, _, _ = call("delete", f"/messages/{older.pk}", token)
    assert status == 204
    assert Message.objects.get(pk=older.pk).deleted_at == now
    status, problem, answer = call("get", f"/messages/{older.pk}", token)
    assert (status, problem["code"], answer["Content-Type"]) == (404, "message_not_found", "application/problem+json")
    assert problem["detail"] == "Ce message n'existe pas ou a été supprimé."


def test_the_app_needs_a_token_of_an_active_account_R_MSG3(code_sent, now):
    assert call("get", "/messages")[0] == 401
    factories.with_personal_code(code_sent, now)
    _, body, _ = call("post", "/sessions", nir=NIR, code=PERSONAL_CODE, device_name="iPhone")
    status, problem, _ = call("get", "/messages", body["access_token"])
    assert (status, problem["code"]) == (403, "account_not_active")


def test_the_box_is_read_a_page_at_a_time_and_an_unknown_parameter_is_refused_R_MSG3_R_API3(signed_in, now):
    account, token = signed_in
    post(account.pk, now)
    assert call("get", "/messages?page=2", token)[1]["messages"] == []
    status, problem, _ = call("get", "/messages?pge=2", token)
    assert (status, problem["code"]) == (400, "invalid_input")
    assert call("get", "/messages?page=0", token)[0] == 400
