from django.db import models


class ThrottleEvent(models.Model):
    """One counted event (a failure, a send) for a rate limit; the key is a digest, never the raw value."""

    scope = models.CharField(max_length=40)
    key = models.CharField(max_length=64)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["scope", "key", "at"])]

    def __str__(self) -> str:
        return f"{self.scope} {self.at:%Y-%m-%d %H:%M:%S}"


class WindowCounter(models.Model):
    """How many events one key had in one fixed window of a limit (R-CAP4), where Redis is not configured:
    one row per (scope, key, window), counted up in place, never a row per event (showing a form)."""

    scope = models.CharField(max_length=40)
    key = models.CharField(max_length=64)
    started = models.BigIntegerField()  # the window's start, in seconds since the epoch
    events = models.IntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key", "started"], name="core_window_counter_once")]

    def __str__(self) -> str:
        return f"{self.scope} {self.started}: {self.events}"
