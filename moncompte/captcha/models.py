from django.db import models


class SpentToken(models.Model):
    """A single-use token already used (R-CAP2, R-CAP4): a CAPTCHA challenge answered, a proof of work spent.

    Challenges themselves are not stored: one row is written per answer, never per page view. The key is a
    keyed digest of the token; rows are purged once the token has expired anyway.
    """

    digest = models.CharField(primary_key=True, max_length=64)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "jeton CAPTCHA utilisé"
        verbose_name_plural = "jetons CAPTCHA utilisés"

    def __str__(self) -> str:
        return f"jeton {self.digest[:8]}… (jusqu'au {self.expires_at:%Y-%m-%d %H:%M})"
