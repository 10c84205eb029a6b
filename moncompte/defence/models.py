"""R-BOT1: attack mode's stored state, its history, and the velocity signals counted by ten minutes."""

from django.db import models


class AttackMode(models.Model):
    """The one row (pk 1) saying whether the service is in attack mode. Stored, so a restart keeps it."""

    id = models.PositiveSmallIntegerField(primary_key=True)
    active = models.BooleanField(default=False)
    since = models.DateTimeField(null=True, blank=True)  # when it was last switched on or off
    source = models.CharField(max_length=20, blank=True)  # "automatic" or "supervisor"
    reason = models.CharField(max_length=500, blank=True)  # the supervisor's reason, or the signal in words
    signal = models.JSONField(default=dict, blank=True)  # the signal that tripped it (kind, scope, key, figures)
    staff_username = models.CharField(max_length=150, blank=True)
    # A supervisor's decision holds the automatic switch back until then (their judgement wins for a while).
    held_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "mode attaque"
        verbose_name_plural = "mode attaque"

    def __str__(self) -> str:
        return "mode attaque actif" if self.active else "mode attaque inactif"


class AttackModeChange(models.Model):
    """Each switch on or off, automatic or by a supervisor, for the desk's history (the audit log has the
    supervisors' ones too, from moncompte.support)."""

    at = models.DateTimeField(db_index=True)
    active = models.BooleanField()
    source = models.CharField(max_length=20)
    reason = models.CharField(max_length=500, blank=True)
    signal = models.JSONField(default=dict, blank=True)
    staff_username = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "changement du mode attaque"
        verbose_name_plural = "changements du mode attaque"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {'activé' if self.active else 'désactivé'} ({self.source})"


class VelocityBucket(models.Model):
    """How many events of one signal one key had in ten minutes: one row upserted per (signal, scope, key, ten
    minutes), never one per event. Keys are a network prefix, an email domain or a département, never a person."""

    signal = models.CharField(max_length=20)  # "identity" (identity step passed) or "account" (personal code set)
    scope = models.CharField(max_length=12)  # "global", "network", "domain", "departement"
    key = models.CharField(max_length=64)
    # The start of the ten minutes, UTC. Its column keeps the name it had when buckets were hours, and the
    # constraint and index theirs: renaming them would break the previous release during an upgrade (issue 14).
    start = models.DateTimeField(db_column="hour")
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["signal", "scope", "key", "start"], name="defence_bucket_one_per_hour")
        ]
        indexes = [models.Index(fields=["start"], name="defence_bucket_hour")]

    def __str__(self) -> str:
        return f"{self.signal} {self.scope} {self.key} {self.start:%Y-%m-%d %H:%M}: {self.count}"
