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
