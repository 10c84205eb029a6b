"""R-MSG12: a posting's text is stored once, in its letter, which each of its messages points to; the box, the
message page and the API read it with the message, in the same query; messages posted before letters were
pointed to letters by the migration and read the same."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext

from moncompte.accounts.models import Account
from moncompte.core.client import Client
from moncompte.messaging.bulk import messages_post_to_nirs
from moncompte.messaging.campaign import campaign_post
from moncompte.messaging.models import Letter, LetterOrigin, Message, MessageKind
from moncompte.messaging.post import LetterText
from moncompte.messaging.selectors import message_box_page, message_of
from tests.helpers import NOW
from tests.messaging.helpers import SERVICE, nir_of, people, post

TEXT = LetterText("Votre bilan de prévention", "Bonjour,\nprenez rendez-vous.", "Assurance Maladie")
CLI = Client("", "pytest", channel="campaign")


@pytest.mark.django_db
def test_a_campaign_stores_its_text_once_even_when_resumed_R_MSG12(tmp_path):
    path = tmp_path / "campagne.csv"
    path.write_text("\n".join(people(7)) + "\n", encoding="utf-8")

    def interrupted(run):
        if run.done >= 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        campaign_post(path=path, letter=TEXT, batch_size=2, client=CLI, now=lambda: NOW, progress=interrupted)
    campaign_post(path=path, letter=TEXT, batch_size=2, client=CLI, now=lambda: NOW)
    [letter] = Letter.objects.all()
    assert (letter.subject, letter.body, letter.sender_service, letter.origin) == (
        TEXT.subject, TEXT.body, TEXT.sender_service, LetterOrigin.CAMPAIGN
    )  # fmt: skip
    assert set(Message.objects.values_list("letter_id", flat=True)) == {letter.pk}
    # The messages' own text columns (kept for the previous release during an upgrade) stay empty.
    assert set(Message.objects.values_list("old_subject", "old_body", "old_sender_service")) == {("", "", "")}


@pytest.mark.django_db
def test_each_call_of_the_internal_api_has_its_letter_and_one_that_posts_nothing_has_none_R_MSG12():
    nirs = people(3)
    for key, to in (("appel-001", nirs[:2]), ("appel-002", nirs[2:]), ("appel-003", [nir_of(90)])):
        messages_post_to_nirs(service="CPAM", idempotency_key=key, letter=TEXT, nirs=to, client=SERVICE, now=NOW)
    letters = list(Letter.objects.order_by("pk"))
    assert [letter.origin for letter in letters] == [LetterOrigin.BULK, LetterOrigin.BULK]
    assert [letter.messages.count() for letter in letters] == [2, 1]


@pytest.mark.django_db
def test_a_message_posted_alone_has_its_own_letter_R_MSG12(code_sent, now):
    from tests import factories

    account = factories.active(code_sent, now).account
    letter = post(account.pk, now, subject="Votre attestation").letter
    assert letter is not None
    assert (letter.origin, letter.subject) == (LetterOrigin.SINGLE, "Votre attestation")


@pytest.mark.django_db
def test_the_box_reads_each_message_with_its_letter_in_one_query_R_MSG12():
    people(1)
    account = Account.objects.get()
    for number in range(5):
        text = LetterText(f"Message {number}", "Bonjour.", "CPAM")
        messages_post_to_nirs(
            service="CPAM", idempotency_key=f"appel-{number:03d}", letter=text, nirs=[nir_of(0)], client=SERVICE,
            now=NOW,
        )  # fmt: skip
    with CaptureQueriesContext(connection) as queries:
        page = message_box_page(account_id=account.pk)
    assert [line.subject for line in page.messages] == [f"Message {n}" for n in range(4, -1, -1)]
    assert len(queries) == 2  # the page with its letters, and the unread count


OLD_STYLE = (
    "INSERT INTO messaging_message (account_id, subject, body, sender_service, kind, posted_at) "
    "VALUES (%s, %s, %s, %s, %s, %s)"
)


@pytest.mark.django_db(transaction=True)
def test_a_message_posted_before_letters_reads_the_same_after_the_migration_R_MSG12():
    people(2)
    first, second = Account.objects.order_by("pk").values_list("pk", flat=True)
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes("messaging")
    executor.migrate([("messaging", "0003_notices_due")])
    try:
        with connection.cursor() as cursor:
            for account, subject, kind in (
                (first, "Votre attestation", "normal"),
                (second, "Votre attestation", "normal"),  # the same text to two people: one letter
                (first, "Nouveau service", "promotional"),
            ):
                cursor.execute(OLD_STYLE, [account, subject, "Ligne 1\nLigne 2", "CPAM des Vosges", kind, NOW])
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
    messages = list(Message.objects.order_by("pk"))
    shown = [message_of(account_id=m.account_id, message_id=m.pk) for m in messages]
    assert [(s.subject, s.body, s.sender_service, s.promotional) for s in shown] == [
        ("Votre attestation", "Ligne 1\nLigne 2", "CPAM des Vosges", False),
        ("Votre attestation", "Ligne 1\nLigne 2", "CPAM des Vosges", False),
        ("Nouveau service", "Ligne 1\nLigne 2", "CPAM des Vosges", True),
    ]
    assert messages[0].letter_id == messages[1].letter_id != messages[2].letter_id
    assert [letter.origin for letter in Letter.objects.order_by("subject")] == [LetterOrigin.SINGLE, "bulk"]
    assert [line.subject for line in message_box_page(account_id=first).messages] == [
        "Nouveau service", "Votre attestation"
    ]  # fmt: skip


@pytest.mark.django_db
def test_a_message_without_a_letter_reads_its_own_columns_R_MSG12():
    """One the previous release posts during the upgrade (letter_id left null)."""
    people(1)
    account = Account.objects.get()
    with connection.cursor() as cursor:
        cursor.execute(OLD_STYLE, [account.pk, "Ancien", "Texte.", "CPAM", MessageKind.PROMOTIONAL.value, NOW])
    [line] = message_box_page(account_id=account.pk).messages
    shown = message_of(account_id=account.pk, message_id=line.id)
    assert (line.subject, line.promotional, shown.body, shown.sender_service) == ("Ancien", True, "Texte.", "CPAM")
