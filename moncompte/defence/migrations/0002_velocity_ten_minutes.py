"""R-BOT1: velocity buckets of ten minutes instead of an hour (a sliding ten minutes trips attack mode sooner).

The hourly counts already stored are spread over their six ten minutes, so that the baselines of the next
seven days read what they would have counted (each hour's sum unchanged)."""

from django.db import migrations, models

REVIEWED = (
    "RunPython: spreads each stored hourly count over its six ten minutes, by pages of 2,000 rows (an update of "
    "the row and inserts after the last key read, never a lock on the table); during an upgrade, an hourly row "
    "the previous release still writes is read as its hour's first ten minutes, which can only make attack "
    "mode engage sooner for that hour, never later"
)

SLOTS = 6
MINUTES = 10
BATCH = 2000


def hours_spread(apps, schema_editor):  # type: ignore[no-untyped-def]
    from datetime import timedelta

    bucket = apps.get_model("defence", "VelocityBucket")
    top = bucket.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    last = 0
    while True:  # by pages of primary keys: the rows written here come after `top` and are never read
        page = list(bucket.objects.filter(pk__gt=last, pk__lte=top).order_by("pk")[:BATCH])
        if not page:
            return
        rows = []
        for row in page:
            shares = [row.count // SLOTS + (1 if n < row.count % SLOTS else 0) for n in range(SLOTS)]
            if shares[0] != row.count:
                bucket.objects.filter(pk=row.pk).update(count=shares[0])
            rows += [
                bucket(
                    signal=row.signal,
                    scope=row.scope,
                    key=row.key,
                    start=row.start + timedelta(minutes=MINUTES * n),
                    count=share,
                )
                for n, share in enumerate(shares)
                if n and share
            ]
        bucket.objects.bulk_create(rows)
        last = page[-1].pk


def slots_gather(apps, schema_editor):  # type: ignore[no-untyped-def]
    bucket = apps.get_model("defence", "VelocityBucket")
    hours: dict[tuple[str, str, str, object], int] = {}
    for row in bucket.objects.iterator(chunk_size=BATCH):
        hour = row.start.replace(minute=0, second=0, microsecond=0)
        hours[(row.signal, row.scope, row.key, hour)] = hours.get((row.signal, row.scope, row.key, hour), 0) + row.count
    bucket.objects.all().delete()
    bucket.objects.bulk_create(
        [
            bucket(signal=signal, scope=scope, key=key, start=hour, count=count)
            for (signal, scope, key, hour), count in hours.items()
        ],
        batch_size=BATCH,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("defence", "0001_attack_mode"),
    ]

    operations = [
        # The field is renamed in Django's state only: its column, constraint and index keep their names, so the
        # previous release, which still writes hourly rows to "hour" during an upgrade, keeps working.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveConstraint(model_name="velocitybucket", name="defence_bucket_one_per_hour"),
                migrations.RemoveIndex(model_name="velocitybucket", name="defence_bucket_hour"),
                migrations.RenameField(model_name="velocitybucket", old_name="hour", new_name="start"),
                migrations.AlterField(
                    model_name="velocitybucket", name="start", field=models.DateTimeField(db_column="hour")
                ),
                migrations.AddConstraint(
                    model_name="velocitybucket",
                    constraint=models.UniqueConstraint(
                        fields=("signal", "scope", "key", "start"), name="defence_bucket_one_per_hour"
                    ),
                ),
                migrations.AddIndex(
                    model_name="velocitybucket", index=models.Index(fields=["start"], name="defence_bucket_hour")
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(hours_spread, slots_gather, elidable=True),
    ]
