from django.db import models


class Challenge(models.Model):
    """R-CAP2: a CAPTCHA valid CAPTCHA_LIFETIME (5 minutes by default) that answers once.

    The answer is kept to draw the picture and the audio; it is short-lived and is blanked once answered.
    """

    id = models.CharField(primary_key=True, max_length=32)
    answer = models.CharField(max_length=12)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "défi CAPTCHA"

    def __str__(self) -> str:
        return f"CAPTCHA {self.id[:6]}…"
