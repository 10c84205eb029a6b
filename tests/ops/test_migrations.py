"""Issue 14: upgrades without downtime. During an upgrade the previous release still runs beside the new one, on
the same database, so a migration may only expand: add tables, nullable or defaulted columns, indexes built
CONCURRENTLY. What removes or renames (contract), or locks a table while it rewrites or indexes it, must say why
it is safe in the migration itself (CONTRACT = "…" or LOCKS = "…"), read here.

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
LOCKING = (migrations.AddIndex, migrations.AddConstraint, migrations.AlterField, migrations.AlterUniqueTogether)
# A new NOT NULL column without a default refuses the previous release's inserts.


def database_operations(operation: migrations.operations.base.Operation) -> list[object]:
    if isinstance(operation, migrations.SeparateDatabaseAndState):
        return list(operation.database_operations)
    return [operation]


def problems_of(app: str, name: str) -> list[str]:
    return problems_in(import_module(f"{apps.get_app_config(app).name}.migrations.{name}"))


def problems_in(module: Any) -> list[str]:
    migration = module.Migration
    found = []
    for operation in migration.operations:
        for done in database_operations(operation):
            kind = type(done).__name__
            if isinstance(done, CONTRACTING) and not getattr(module, "CONTRACT", ""):
                found.append(f"{kind} sans CONTRACT (la version précédente s'en sert peut-être encore)")
            if isinstance(done, LOCKING) and not getattr(module, "LOCKS", ""):
                found.append(f"{kind} sans LOCKS (verrouille la table pendant l'opération)")
            if isinstance(done, migrations.AddField):
                field = done.field
                if not field.null and not field.has_default() and field.db_default is NOT_PROVIDED:
                    found.append(f"AddField {done.name} NOT NULL sans valeur par défaut")
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
    defaulted = migrations.AddField(
        model_name="account", name="region", field=models.CharField(max_length=3, default="")
    )
    assert not problems_in(migration_module(defaulted))
    # The pending-address index (issue 13) is built CONCURRENTLY through RunPython: nothing to say.
    assert problems_of("accounts", "0007_pending_email_index") == []
