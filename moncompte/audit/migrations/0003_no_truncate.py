"""R-SEC3: PostgreSQL refuses TRUNCATE on the audit table too. A database where emptying it is legitimate
(a test database, whose tables Django empties with TRUNCATE between tests) says so with
`ALTER DATABASE … SET moncompte.allow_truncate = 'on'`."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

POSTGRES = """
CREATE OR REPLACE FUNCTION audit_no_truncate() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('moncompte.allow_truncate', true), 'off') <> 'on' THEN
        RAISE EXCEPTION 'audit_auditevent is append-only';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_no_truncate();
"""
POSTGRES_DROP = "DROP TRIGGER IF EXISTS audit_no_truncate ON audit_auditevent; DROP FUNCTION IF EXISTS audit_no_truncate();"


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES)


def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_DROP)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_triggers")]
    operations = [migrations.RunPython(forwards, backwards)]
