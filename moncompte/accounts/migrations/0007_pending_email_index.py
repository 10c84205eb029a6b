"""The index of pending addresses for the 21-day job (issue 13).

On PostgreSQL it is built CONCURRENTLY: the address table of a national service is large, and a plain CREATE INDEX
would block every write to it (every contact step, every confirmation) for the whole build.
"""

from django.db import migrations, models

INDEX = models.Index(
    condition=models.Q(("confirmed_at__isnull", True)), fields=["created_at"], name="pending_email_created"
)


REVIEWED = "RunPython: the index is built CONCURRENTLY on PostgreSQL, writes go on meanwhile"


def index_create(apps, schema_editor):
    address = apps.get_model("accounts", "EmailAddress")
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.add_index(address, INDEX)
        return
    with schema_editor.connection.cursor() as cursor:
        # Building on a national table takes long and waits for older transactions (a nightly pg_dump): the
        # timeouts that protect web requests (deploy/moncompte.env.example) do not apply to this session.
        cursor.execute("SET statement_timeout = 0")
        cursor.execute("SET lock_timeout = 0")
        # A build interrupted earlier leaves an INVALID index behind, which would make this one fail.
        cursor.execute(
            "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = %s",
            [INDEX.name],
        )
        found = cursor.fetchone()
    if found is not None and found[0]:
        return
    if found is not None:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX.name}")
    schema_editor.add_index(address, INDEX, concurrently=True)


def index_drop(apps, schema_editor):
    address = apps.get_model("accounts", "EmailAddress")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(address, INDEX, concurrently=True)
    else:
        schema_editor.remove_index(address, INDEX)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("accounts", "0006_link_openings"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name="emailaddress", index=INDEX)],
            database_operations=[migrations.RunPython(index_create, index_drop)],
        ),
    ]
