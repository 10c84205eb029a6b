"""R-API1..3: the app's sessions — provisional code (restricted), personal code (pair), refresh with reuse
detection, expiry, sign-out, R-LIM5; problem details with the web's French messages."""

from datetime import timedelta

import pytest
from django.test import Client as HttpClient

from moncompte.selfservice.account_manage import password_change
from moncompte.selfservice.errors import SignInRejected
from tests import factories
from tests.api.documented import assert_documented
from tests.factories import CLIENT, PERSONAL_CODE
from tests.helpers import NOW

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("traveller")]
NIR = "2 84 05 88 321 025 32"


def call(method: str, path: str, token: str = "", **body):
    client = HttpClient()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    answer = getattr(client, method)(f"/api/v1{path}", body, content_type="application/json", **headers)
    assert_documented(method, f"/api/v1{path}", answer)  # R-API3: every problem met is in the document
    return answer.status_code, (answer.json() if answer.content else None), answer


def test_the_provisional_code_opens_a_restricted_session_that_only_chooses_the_personal_code_R_API2(code_sent, now):
    status, body, _ = call("post", "/sessions", nir=NIR, code=code_sent.clear, device_name="Pixel de Camille")
    assert status == 200
    assert (body["scope"], body["next_step"], body["refresh_token"]) == (
        "choose_personal_code",
        "choose_personal_code",
        None,
    )
    restricted = body["access_token"]
    status, problem, _ = call("get", "/account", restricted)
    assert (status, problem["code"]) == (403, "restricted_scope")
    status, body, _ = call("post", "/personal-code", restricted, password=PERSONAL_CODE, confirmation=PERSONAL_CODE)
    assert status == 200
    assert (body["scope"], body["next_step"]) == ("account", "give_contact_details")
    assert call("get", "/sessions", restricted)[0] == 401  # the restricted session ended with the code (R-LIM5)
    status, sessions, _ = call("get", "/sessions", body["access_token"])
    assert [s["device_name"] for s in sessions] == ["Pixel de Camille"]


def test_the_personal_code_is_chosen_only_with_one_s_own_restricted_token_while_it_lasts_R_API2_R_CODE4(
    code_sent, traveller
):
    status, body, _ = call("post", "/sessions", nir=NIR, code=code_sent.clear, device_name="Pixel")
    restricted, choose = body["access_token"], {"password": PERSONAL_CODE, "confirmation": PERSONAL_CODE}
    assert call("post", "/personal-code", "mcr_" + "A" * 43, **choose)[0] == 401  # another session is open
    status, problem, _ = call("post", "/personal-code", restricted, password=PERSONAL_CODE, confirmation="Autre-2027!")
    assert (status, problem["code"]) == (400, "password_refused")
    traveller.shift(timedelta(seconds=body["expires_in"]))  # its last instant
    assert call("post", "/personal-code", restricted, **choose)[0] == 401


def test_an_access_token_chooses_no_personal_code_R_API2(pair):
    new = "Nouveau-Code-2027!"
    assert call("post", "/personal-code", pair["access_token"], password=new, confirmation=new)[0] == 401


def test_signing_in_with_the_email_unconfirmed_never_opens_the_account_R_EM8(code_sent, now):
    factories.with_link_sent(code_sent, now)
    status, body, _ = call("post", "/sessions", nir=NIR, code=PERSONAL_CODE)
    assert (status, body["next_step"]) == (200, "confirm_email")
    assert "Cliquez sur le lien reçu par email" in body["message"]
    status, problem, _ = call("get", "/account", body["access_token"])
    assert (status, problem["code"]) == (403, "account_not_active")


@pytest.fixture
def pair(code_sent, now):
    factories.active(code_sent, now)
    status, body, _ = call("post", "/sessions", nir=NIR, code=PERSONAL_CODE, device_name="iPhone")
    assert status == 200
    return body


def test_the_account_is_read_with_the_access_token_which_expires_after_15_minutes_R_API2(pair, traveller):
    status, account, _ = call("get", "/account", pair["access_token"])
    assert (status, account["first_name"], account["email"]) == (200, "Camille", "camille@example.fr")
    traveller.shift(timedelta(minutes=15, seconds=1))
    assert call("get", "/account", pair["access_token"])[0] == 401


def test_refresh_rotates_and_a_reused_refresh_token_revokes_the_family_R_API2(pair):
    status, second, _ = call("post", "/sessions/refresh", refresh_token=pair["refresh_token"])
    assert status == 200
    assert second["refresh_token"] != pair["refresh_token"]
    assert call("get", "/account", pair["access_token"])[0] == 401  # the old access token ended with it
    assert call("get", "/account", second["access_token"])[0] == 200
    stolen = HttpClient(REMOTE_ADDR="198.51.100.66")  # a copy used from elsewhere (a retry from the same client
    # within the grace period would get the same answer: tests/appsessions/test_retries.py)
    answer = stolen.post("/api/v1/sessions/refresh", {"refresh_token": pair["refresh_token"]}, "application/json")
    status, problem = answer.status_code, answer.json()
    assert (status, problem["code"]) == (401, "token_refused")
    assert call("get", "/account", second["access_token"])[0] == 401  # the whole family is revoked
    assert call("post", "/sessions/refresh", refresh_token=second["refresh_token"])[0] == 401


def test_signing_out_and_a_new_personal_code_end_app_sessions_R_LIM5(pair, code_sent, now):
    _, other, _ = call("post", "/sessions", nir=NIR, code=PERSONAL_CODE, device_name="tablette")
    assert call("delete", "/sessions/current", other["access_token"])[0] == 204
    assert call("get", "/account", other["access_token"])[0] == 401
    password_change(
        account_id=code_sent.sent.account_id,
        current_password=PERSONAL_CODE,
        password="Nouveau-Code-2027!",
        confirmation="Nouveau-Code-2027!",
        client=CLIENT,
        now=now,
    )
    assert call("get", "/account", pair["access_token"])[0] == 401
    assert call("post", "/sessions/refresh", refresh_token=pair["refresh_token"])[0] == 401


def test_errors_are_problem_details_with_the_web_s_french_message_R_API1(code_sent):
    status, problem, answer = call("post", "/sessions", nir=NIR, code="Mauvais-code-1")
    assert status == 400
    assert answer["Content-Type"] == "application/problem+json"
    assert problem["detail"] == SignInRejected().message
    assert problem["code"] == SignInRejected.code
    status, problem, _ = call("post", "/sessions", nir="123", code="x")
    assert (status, problem["field"]) == (400, "nir")


def test_the_openapi_document_describes_every_operation_R_API3():
    status, doc, _ = call("get", "/openapi.json")
    assert status == 200
    assert doc["openapi"].startswith("3.1")
    assert {"/api/v1/sessions", "/api/v1/sessions/refresh", "/api/v1/personal-code", "/api/v1/account"} <= set(
        doc["paths"]
    )


def test_mes_appareils_lists_app_sessions_and_ends_one_from_the_web_R_API2(pair, client):
    from django.urls import reverse

    client.post(reverse("web:sign_in"), {"nir": NIR, "code": PERSONAL_CODE})
    page = client.get(reverse("web:account")).content.decode()
    assert "Mes appareils" in page
    assert "Déconnecter iPhone" in page
    _, sessions, _ = call("get", "/sessions", pair["access_token"])
    client.post(reverse("web:device_revoke"), {"device": str(sessions[0]["id"])})
    assert call("get", "/account", pair["access_token"])[0] == 401
    assert call("post", "/sessions/refresh", refresh_token=pair["refresh_token"])[0] == 401
    assert client.post(reverse("web:device_revoke"), {"device": "x"}).status_code == 302  # garbage: nothing ends


def test_nobody_ends_someone_else_s_app_session(pair, client, django_user_model):
    from moncompte.appsessions.tokens import device_revoke

    _, sessions, _ = call("get", "/sessions", pair["access_token"])
    assert not device_revoke(account_id=sessions[0]["id"] + 999, session_id=sessions[0]["id"], now=NOW)
    assert call("get", "/account", pair["access_token"])[0] == 200


def test_the_documentation_page_is_served_from_the_site_itself(client):
    page = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "https://" not in page  # no outside script or style: the content security policy allows none


def test_the_app_s_events_are_audited_with_their_channel_and_throttled_like_the_web_s(code_sent):
    from moncompte.audit.models import AuditEvent

    for _ in range(30):
        status, problem, answer = call("post", "/sessions", nir=NIR, code="Mauvais-code-1")
        if status == 429:
            break
    assert status == 429
    assert int(answer["Retry-After"]) > 0
    assert problem["code"] in ("too_many_attempts", "sign_in_blocked")
    assert AuditEvent.objects.filter(event="sign_in_failure", details__channel="app").exists()


def test_ended_app_sessions_are_deleted_30_days_later_live_ones_never(pair, now):
    from moncompte.appsessions.models import AppSession, AppToken
    from moncompte.appsessions.tokens import app_sessions_purge

    _, other, _ = call("post", "/sessions", nir=NIR, code=PERSONAL_CODE, device_name="tablette")
    call("delete", "/sessions/current", other["access_token"])
    assert app_sessions_purge(now=now + timedelta(days=29)) == 0
    assert app_sessions_purge(now=now + timedelta(days=31)) == 1  # the one signed out; the other's refresh lives
    assert AppSession.objects.get().device_name == "iPhone"
    assert app_sessions_purge(now=now + timedelta(days=61)) == 1  # its refresh token expired long ago
    assert not AppToken.objects.exists()


def test_a_megabyte_field_is_refused_before_any_work_with_the_field_named(code_sent):
    from moncompte.audit.models import AuditEvent

    status, problem, _ = call("post", "/sessions", nir=NIR, code="A" * 1_000_000)
    assert (status, problem["code"], problem["field"]) == (400, "too_long", "code")  # as the web's form says it
    assert not AuditEvent.objects.filter(event__startswith="sign_in").exists()  # no Argon2id, no attempt counted


@pytest.mark.parametrize("device", ["²", "١", "9" * 4301, "9" * 19, "-1", " 1"])
def test_a_device_that_is_not_a_session_number_ends_nothing_and_is_no_server_error_R_API2(pair, client, device):
    from django.urls import reverse

    client.post(reverse("web:sign_in"), {"nir": NIR, "code": PERSONAL_CODE})
    answer = client.post(reverse("web:device_revoke"), {"device": device})
    assert (answer.status_code, answer["Location"]) == (302, reverse("web:account"))
    assert "Cet appareil était déjà déconnecté." in client.get(reverse("web:account")).content.decode()
    assert call("get", "/account", pair["access_token"])[0] == 200


def test_mes_appareils_lists_only_the_sessions_that_still_work_and_marks_the_current_one_R_LIM5_R_API2(pair, traveller):
    _, tablet, _ = call("post", "/sessions", nir=NIR, code=PERSONAL_CODE, device_name="tablette")
    _, laptop, _ = call("post", "/sessions", nir=NIR, code=PERSONAL_CODE, device_name="portable")
    assert call("delete", "/sessions/current", laptop["access_token"])[0] == 204  # signed out
    status, devices, _ = call("get", "/sessions", tablet["access_token"])
    assert status == 200
    assert {(each["device_name"], each["current"]) for each in devices} == {("iPhone", False), ("tablette", True)}
    change = {"current_password": PERSONAL_CODE, "password": "Nouveau-Code-2027!", "confirmation": "Nouveau-Code-2027!"}
    status, renewed, _ = call("post", "/account/personal-code", pair["access_token"], **change)
    assert status == 200
    assert call("get", "/account", tablet["access_token"])[0] == 401  # R-LIM5: ended by the new personal code
    status, devices, _ = call("get", "/sessions", renewed["access_token"])
    assert (status, [(each["device_name"], each["current"]) for each in devices]) == (200, [("iPhone", True)])


def test_mes_appareils_leaves_out_a_session_whose_tokens_all_expired_R_API2(pair, traveller):
    call("post", "/sessions", nir=NIR, code=PERSONAL_CODE, device_name="tablette")  # then never used again
    traveller.shift(timedelta(days=29))
    _, kept, _ = call("post", "/sessions/refresh", refresh_token=pair["refresh_token"])
    traveller.shift(timedelta(days=1, seconds=1))  # the tablet's refresh token is 30 days and 1 second old
    _, kept, _ = call("post", "/sessions/refresh", refresh_token=kept["refresh_token"])
    status, devices, _ = call("get", "/sessions", kept["access_token"])
    assert (status, [each["device_name"] for each in devices]) == (200, ["iPhone"])


def test_an_expired_access_token_says_refresh_not_sign_in_again_with_the_bearer_challenge_R_API2(pair, traveller):
    traveller.shift(timedelta(minutes=15, seconds=1))
    status, problem, answer = call("get", "/account", pair["access_token"])
    assert (status, problem["code"]) == (401, "token_expired")
    assert answer["WWW-Authenticate"] == 'Bearer error="invalid_token"'  # RFC 6750 §3
    status, renewed, _ = call("post", "/sessions/refresh", refresh_token=pair["refresh_token"])
    assert status == 200
    assert call("get", "/account", renewed["access_token"])[0] == 200


def test_a_token_that_no_refresh_can_save_is_refused_with_the_bearer_challenge_R_API2(pair, traveller):
    _, other, _ = call("post", "/sessions", nir=NIR, code=PERSONAL_CODE, device_name="tablette")
    call("delete", "/sessions/current", other["access_token"])
    refused = {
        "signed out": other["access_token"],
        "the refresh token": pair["refresh_token"],
        "unknown": "mca_inconnu",
    }
    for label, token in refused.items():
        status, problem, answer = call("get", "/account", token)
        assert (status, problem["code"], answer["WWW-Authenticate"]) == (
            401,
            "token_refused",
            'Bearer error="invalid_token"',
        ), label
    status, problem, answer = call("get", "/account")  # no token at all: the scheme, and no error (RFC 6750 §3.1)
    assert (status, problem["code"], answer["WWW-Authenticate"]) == (401, "token_refused", "Bearer")
    status, problem, answer = call("post", "/sessions/refresh", refresh_token=other["refresh_token"])
    assert (status, problem["code"], answer["WWW-Authenticate"]) == (
        401,
        "token_refused",
        'Bearer error="invalid_token"',
    )
    traveller.shift(timedelta(minutes=15, seconds=1))
    status, problem, _ = call("get", "/account", other["access_token"])
    assert (status, problem["code"]) == (401, "token_refused")  # signed out, then expired: still nothing to refresh
    internal = HttpClient().post("/api/interne/v1/messages", {}, content_type="application/json")
    assert (internal.status_code, internal["WWW-Authenticate"]) == (401, "Bearer")  # the internal API's too


def test_the_document_says_which_401_to_refresh_and_the_bearer_challenge_R_API3():
    from tests.api.documented import codes_documented, document

    assert codes_documented("get", "/api/v1/account", 401) == {"token_refused", "token_expired"}
    assert codes_documented("post", "/api/v1/sessions/refresh", 401) == {"token_refused"}
    for operations in document()["paths"].values():
        for operation in operations.values():
            if 401 in operation["responses"]:
                assert "WWW-Authenticate" in operation["responses"][401]["headers"], operation["operationId"]
    assert "`token_expired`" in document()["info"]["description"]
