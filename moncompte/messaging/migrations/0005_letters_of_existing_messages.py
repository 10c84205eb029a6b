"""R-MSG12: the messages posted before letters point to one: one letter per distinct text (subject, body, sender
service, kind), dated by its first message; a text posted to several people is a grouped posting."""

from django.db import migrations, transaction

REVIEWED = (
    "RunPython: one INSERT … SELECT … GROUP BY makes the letters (a read of messaging_message, no lock on its "
    "rows), then UPDATEs by ranges of 10,000 message ids, each committed on its own, set letter_id where it is "
    "null: a row is locked for one range only, and the previous release, still running, reads and writes the "
    "same columns as before. Messages it posts during the upgrade keep letter_id null and are read from their "
    "own columns (models.Message.texts), until the release that drops those columns points them the same way."
)
STEP = 10_000


def letters_make(apps, schema_editor):
    message, letter = apps.get_model("messaging", "Message"), apps.get_model("messaging", "Letter")
    messages, letters = message._meta.db_table, letter._meta.db_table
    same_text = " AND ".join(f"l.{column} = {messages}.{column}" for column in ("subject", "body", "sender_service", "kind"))
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {letters} (subject, body, sender_service, kind, origin, created_at) "  # noqa: S608
            "SELECT subject, body, sender_service, kind, "
            "CASE WHEN COUNT(*) > 1 THEN 'bulk' ELSE 'single' END, MIN(posted_at) "
            f"FROM {messages} WHERE letter_id IS NULL GROUP BY subject, body, sender_service, kind"
        )
        cursor.execute(f"SELECT MIN(id), MAX(id) FROM {messages} WHERE letter_id IS NULL")  # noqa: S608
        first, last = cursor.fetchone()
    if first is None:
        return
    for start in range(first - 1, last, STEP):
        with transaction.atomic(using=schema_editor.connection.alias):
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {messages} SET letter_id = l.id FROM {letters} AS l "  # noqa: S608
                    f"WHERE {messages}.letter_id IS NULL AND {messages}.id > %s AND {messages}.id <= %s "
                    f"AND {same_text}",
                    [start, start + STEP],
                )


class Migration(migrations.Migration):
    atomic = False  # each range of messages committed on its own (REVIEWED)

    dependencies = [("messaging", "0004_letters")]

    operations = [migrations.RunPython(letters_make, migrations.RunPython.noop)]
