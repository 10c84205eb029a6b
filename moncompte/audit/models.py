from typing import Any

from django.db import models
from django.utils.timezone import localtime

from moncompte.audit.labels import event_label


class AppendOnly(Exception):
    pass


class AuditEvent(models.Model):
    """R-SEC3: who, what, when, from where. NIR pseudonymised, emails masked, never a secret.

    Append-only: the model refuses updates and deletes, and database triggers (migration 0002) refuse
    them too, whatever the client.
    """

    # The back office's columns and filters say these names (issue 23, point 10: « AT », « Filtrer par at »).
    at = models.DateTimeField("heure", db_index=True)
    event = models.CharField("événement", max_length=60, db_index=True)
    nir_pseudonym = models.CharField("pseudonyme du NIR", max_length=16, blank=True, db_index=True)
    account_id = models.BigIntegerField("numéro de compte", null=True, blank=True, db_index=True)
    client_address = models.CharField("adresse IP du client", max_length=45, blank=True)
    user_agent = models.CharField("logiciel du client", max_length=200, blank=True)
    details = models.JSONField("détails", default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "événement de sécurité"
        verbose_name_plural = "événements de sécurité"

    def __str__(self) -> str:
        return f"{localtime(self.at):%d/%m/%Y %H:%M:%S} — {event_label(self.event)}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnly("Le journal de sécurité ne se modifie pas.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnly("Le journal de sécurité ne s'efface pas.")
