"""Issue 14: upgrades without downtime. During an upgrade the previous release still runs beside the new one, on
the same database, so a migration may only expand: add tables, columns that are nullable or have a database
default (db_default), indexes built CONCURRENTLY. What removes or renames (contract), locks a table while it
rewrites or indexes it, or runs SQL or code of its own, must say why it is safe in the migration itself
(CONTRACT = "…", LOCKS = "…", REVIEWED = "…"), read here.

The migrations released before this rule was written ran on databases created by them; they are listed once.
"""

from importlib import import_module
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.db import migrations, models
from django.db.migrations.loader import MigrationLoader
from django.db.models.fields import NOT_PROVIDED

# Applied to new databases only before the rule existed (the first production release follows issue 14).
BEFORE_THE_RULE = {
    ("accounts", "0001_initial"), ("accounts", "0002_contact_details"), ("accounts", "0003_state_changed_at"),
    ("accounts", "0004_session_epoch"), ("accounts", "0005_undeliverable_addresses"),
    ("accounts", "0006_link_openings"), ("appsessions", "0001_initial"), ("audit", "0001_initial"),
    ("audit", "0002_append_only_triggers"), ("audit", "0003_no_truncate"), ("captcha", "0001_initial"),
    ("captcha", "0002_spent_tokens_instead_of_challenge_rows"), ("core", "0001_initial"),
    ("enrollment", "0001_initial"), ("outbox", "0001_initial"), ("outbox", "0002_delivery_attempt_lifecycle"),
    ("outbox", "0003_delivery_reports"), ("outbox", "0004_request_id"), ("registry", "0001_initial"),
    ("registry", "0002_staged_beneficiaries"),
}  # fmt: skip

# The previous release may still read or write what these remove or rename.
CONTRACTING = (
    migrations.RemoveField,
    migrations.DeleteModel,
    migrations.RenameField,
    migrations.RenameModel,
    migrations.AlterModelTable,
    migrations.RemoveConstraint,
)
# These hold a lock on their table for as long as they rewrite or index it (AlterField may change a type).
LOCKING = (
    migrations.AddIndex,
    migrations.RemoveIndex,
    migrations.AddConstraint,
    migrations.AlterField,
    migrations.AlterUniqueTogether,
)
# Code or SQL of our own: nothing can be read from it, so it says what it does.
OPAQUE = (migrations.RunSQL, migrations.RunPython)


def database_operations(operations: list[Any]) -> list[Any]:
    found = []
    for operation in operations:
        if isinstance(operation, migrations.SeparateDatabaseAndState):
            found += database_operations(list(operation.database_operations))
        else:
            found.append(operation)
    return found


def problems_of(app: str, name: str) -> list[str]:
    return problems_in(import_module(f"{apps.get_app_config(app).name}.migrations.{name}"))


def problems_in(module: Any) -> list[str]:
    found = []
    for done in database_operations(list(module.Migration.operations)):
        kind = type(done).__name__
        if isinstance(done, CONTRACTING) and not getattr(module, "CONTRACT", ""):
            found.append(f"{kind} sans CONTRACT (la version précédente s'en sert peut-être encore)")
        if isinstance(done, LOCKING) and not getattr(module, "LOCKS", ""):
            found.append(f"{kind} sans LOCKS (verrouille la table pendant l'opération)")
        if isinstance(done, OPAQUE) and not getattr(module, "REVIEWED", ""):
            found.append(f"{kind} sans REVIEWED (dire ce qu'il fait et pourquoi c'est sans risque)")
        if isinstance(done, migrations.AddField):
            field = done.field
            # A Python default is dropped from the database once the column exists: the previous release's
            # inserts, which do not name the column, would then fail. Only a database default keeps them working.
            if not field.null and field.db_default is NOT_PROVIDED:
                found.append(f"AddField {done.name} NOT NULL sans db_default")
            indexed = getattr(field, "db_index", False) or field.unique or field.is_relation
            if indexed and not getattr(module, "LOCKS", ""):
                found.append(f"AddField {done.name} crée un index sans LOCKS (verrouille la table)")
    return found


def our_migrations() -> list[tuple[str, str]]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return sorted(key for key in loader.disk_migrations if apps.get_app_config(key[0]).name.startswith("moncompte."))


@pytest.mark.parametrize(("app", "name"), [key for key in our_migrations() if key not in BEFORE_THE_RULE])
def test_a_new_migration_only_expands_or_says_why_it_is_safe(app, name):
    assert not problems_of(app, name), f"{app}.{name} : {problems_of(app, name)}"


def migration_module(*operations: object, **said: str) -> Any:
    return SimpleNamespace(Migration=SimpleNamespace(operations=list(operations)), **said)


def test_the_check_catches_what_the_previous_release_would_trip_on():
    dropped = migrations.RemoveField(model_name="account", name="mobile")
    assert problems_in(migration_module(dropped))
    assert not problems_in(migration_module(dropped, CONTRACT="mobile n'est plus lu depuis la version 12"))
    plain_index = migrations.AddIndex(model_name="account", index=models.Index(fields=["mobile"], name="mobile_i"))
    assert problems_in(migration_module(plain_index))
    required = migrations.AddField(model_name="account", name="region", field=models.CharField(max_length=3))
    assert problems_in(migration_module(required))
    python_default = migrations.AddField(
        model_name="account", name="region", field=models.CharField(max_length=3, default="")
    )
    assert problems_in(migration_module(python_default))  # dropped from the database once added
    database_default = migrations.AddField(
        model_name="account", name="region", field=models.CharField(max_length=3, db_default="")
    )
    assert not problems_in(migration_module(database_default))
    indexed = migrations.AddField(
        model_name="account", name="region", field=models.CharField(max_length=3, null=True, db_index=True)
    )
    assert problems_in(migration_module(indexed))
    dropped_by_hand = migrations.RunSQL("ALTER TABLE accounts_account DROP COLUMN mobile")
    assert problems_in(migration_module(dropped_by_hand))
    hidden = migrations.SeparateDatabaseAndState(database_operations=[dropped])
    assert problems_in(migration_module(migrations.SeparateDatabaseAndState(database_operations=[hidden])))
    # The pending-address index (issue 13) is built CONCURRENTLY through RunPython: nothing to say.
    assert problems_of("accounts", "0007_pending_email_index") == []
