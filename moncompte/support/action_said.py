"""What an action of the desk did, said to the staff member after it (issue 23, point 10)."""

from datetime import datetime

from django.utils.timezone import localtime

from moncompte.core.conf import conf
from moncompte.core.service_terms import service_terms


def done_said(action: str, result: object, *, now: datetime) -> str:
    """What an action of the desk did, said to the staff member after it (issue 23, point 10), with what to tell
    the person where there is something to tell."""
    terms = service_terms()
    if action in ("link_resend_for", "address_change_for"):
        until = localtime(now + conf().email_link_lifetime)
        done = "Lien renvoyé" if action == "link_resend_for" else "Adresse changée : lien envoyé"
        return (
            f"{done} à {result}, valable jusqu'au {until:%d/%m/%Y à %H:%M}. À dire : le courriel « Votre "
            f"{terms.service_name} - Confirmation de votre adresse mail » arrive en général en quelques minutes ; "
            "seul ce dernier lien fonctionne, les précédents non."
        )
    if action == "throttles_lift":
        return (
            f"Limites d'essais levées pour la personne et les {result} adresse(s) réseau d'où elle a essayé dans la "
            "dernière journée. À dire : elle peut réessayer dès maintenant."
        )
    if action == "links_void":
        return (
            f"{result} lien(s) non utilisé(s) annulé(s) : aucun lien déjà envoyé ne fonctionne plus ; un renvoi en "
            "enverra un nouveau."
        )
    if action == "address_erase":
        return (
            "Adresse non confirmée effacée, avec ses liens. À dire : à sa prochaine connexion, avec son numéro de "
            "sécurité sociale et son code personnel, la personne saisit une adresse email : un lien y part."
        )
    return "C'est fait : l'action est écrite au journal."
