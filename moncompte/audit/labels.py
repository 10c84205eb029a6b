"""The security log in words (R-SEC3, R-SUP4): each event written by the service, and the details staff read
most, as the desk and the back office show them. An event's code stays in the log and in the metrics; people
read its label."""

from typing import Any

EVENT_LABELS: dict[str, str] = {
    # The first visit (R-ID*, R-CODE*, R-EM*)
    "captcha_refused": "CAPTCHA refusé",
    "identity_not_matched": "Identité non reconnue (référentiel)",
    "identity_account_exists": "Identité reconnue, mais un compte existe déjà",
    "identity_throttled": "Étape d'identité freinée (trop d'essais)",
    "provisional_code_sent": "Code provisoire envoyé",
    "authn_code_success": "Connexion avec le code provisoire",
    "authn_code_expired": "Code provisoire expiré",
    "password_chosen": "Code personnel choisi",
    "contact_details_given": "Coordonnées saisies",
    "email_link_opened": "Lien de confirmation ouvert",
    "email_link_resent": "Lien de confirmation renvoyé",
    "email_confirmed": "Adresse email confirmée",
    "email_pending_replaced": "Nouvelle adresse à confirmer (remplace la précédente)",
    "email_forgotten": "Adresse non confirmée oubliée (21 jours)",
    "email_reported": "Avis de la messagerie du destinataire (non-remise, retard ou plainte)",
    # Signing in and « Mon compte » (R-LIM*, R-ACC*)
    "sign_in_success": "Connexion réussie",
    "sign_in_failure": "Connexion refusée : code personnel faux",
    "sign_in_blocked": "Connexion bloquée après des codes faux",
    "sign_in_refused_blocked": "Connexion refusée pendant le blocage",
    "sign_in_client_throttled": "Connexion freinée (trop d'essais depuis cet appareil ou ce réseau)",
    "sign_out": "Déconnexion",
    "current_code_failure": "Code personnel actuel faux (changement de code ou d'adresse)",
    "current_code_blocked": "Changement bloqué après des codes actuels faux",
    "current_code_refused_blocked": "Changement refusé pendant le blocage",
    "password_changed": "Code personnel changé",
    "email_change_requested": "Changement d'adresse email demandé",
    "email_change_cancelled": "Changement d'adresse email annulé (nouveau code personnel)",
    "phones_changed": "Téléphones changés",
    "consent_changed": "Consentement changé",
    "code_forgot_sent": "« Code oublié ? » : code provisoire envoyé",
    "code_forgot_no_match": "« Code oublié ? » : identité non reconnue",
    "code_forgot_quota": "« Code oublié ? » : plus de code à envoyer pour l'instant",
    "code_forgot_throttled": "« Code oublié ? » freiné (trop de demandes)",
    # The app (R-API*)
    "app_session_revoked": "Appareil déconnecté par la personne",
    "app_refresh_reused": "Jeton de l'application réutilisé : session de l'appareil fermée",
    # « Ma messagerie » and the internal API (R-MSG*)
    "message_posted": "Message déposé dans « Ma messagerie »",
    "message_deleted": "Message supprimé par la personne",
    "campaign_run": "Campagne de messages déposée",
    "internal_api_call": "Appel de l'API interne",
    "internal_api_refused": "Appel de l'API interne refusé (sans accès valable)",
    "service_credential_created": "Accès d'un service à l'API interne créé",
    "service_credential_revoked": "Accès d'un service à l'API interne révoqué",
    # The support desk (R-SUP*, R-BOT*)
    "support_search": "Recherche au guichet",
    "support_person_viewed": "Fiche ouverte au guichet",
    "support_link_resent": "Lien renvoyé par le guichet",
    "support_address_changed": "Adresse changée par le guichet",
    "support_address_refused": "Changement d'adresse refusé au guichet (code personnel déjà choisi)",
    "support_throttles_lifted": "Limites d'essais levées par un superviseur",
    "support_links_voided": "Liens annulés par un superviseur",
    "support_address_erased": "Adresse non confirmée effacée par un superviseur",
    "support_action_refused": "Action du guichet refusée",
    "support_agent_created": "Agent du support créé",
    "support_attack_mode_on": "Mode attaque activé par un superviseur",
    "support_attack_mode_off": "Mode attaque désactivé par un superviseur",
    "support_attack_mode_refused": "Changement du mode attaque refusé",
    "support_restart_requested": "Reprise de la création demandée",
    "support_restart_approved": "Reprise de la création validée",
    "support_restart_rejected": "Reprise de la création refusée ou retirée",
    "support_restart_refused": "Demande ou décision de reprise refusée",
    "support_restart_expired": "Demande de reprise expirée",
    # Staff (R-SUP1, R-SUP6, R-SEC3)
    "staff_sign_in": "Connexion d'un membre du support",
    "staff_sign_in_failure": "Connexion du support refusée : mot de passe faux",
    "staff_second_factor_failure": "Connexion du support refusée : code de l'application d'authentification",
    "staff_sign_in_throttled": "Connexion du support freinée (trop d'essais)",
    "staff_sign_out": "Déconnexion d'un membre du support",
    "staff_password_set": "Mot de passe d'un membre du personnel défini",
    "staff_edit": "Modification dans l'administration",
    "staff_deletion": "Suppression dans l'administration",
}

DETAIL_LABELS: dict[str, str] = {
    "staff": "par",
    "reason": "motif",
    "found": "comptes trouvés",
    "email": "adresse",
    "status": "état",
    "kind": "type",
    "channel": "canal",
    "consent_channel": "canal",
    "granted": "accordé",
    "consents": "consentements",
    "mobile_changed": "portable changé",
    "landline_changed": "fixe changé",
    "device": "appareil",
    "username": "utilisateur",
    "agent": "agent",
    "action": "action",
    "why": "raison du refus",
    "addresses": "adresses",
    "count": "nombre",
    "wanted": "demandé",
    "changed": "changé",
    "seconds": "secondes",
    "service": "service",
    "operation": "opération",
    "outcome": "issue",
    "message": "message n°",
    "email_id": "courriel n°",
    "source": "origine",
    "object": "objet",
    "document": "pièce d'identité",
}

# The desk's actions and the reasons they were refused (R-SUP7), as the log names them.
VALUE_LABELS: dict[str, str] = {
    "link_resend_for": "renvoyer le lien",
    "address_change_for": "changer l'adresse",
    "throttles_lift": "lever les limites",
    "links_void": "annuler les liens",
    "address_erase": "effacer l'adresse",
    "agent_create": "créer un agent",
    "supervisor_only": "réservé aux superviseurs",
    "reason_missing": "motif manquant",
    "too_many_attempts": "trop d'actions",
    "personal_code_address": "code personnel déjà choisi",
    "person_not_opened": "fiche pas ouverte",
    "unknown_action": "action inconnue",
    "not_posted": "action pas envoyée par le formulaire",
    "on": "activer",
    "off": "désactiver",
}


def event_label(code: str) -> str:
    """The event in words; one the list does not know (tests/audit/test_labels.py keeps it complete) is never
    shown by its code."""
    return EVENT_LABELS.get(code, "Autre événement")


def details_in_words(details: dict[str, Any]) -> list[tuple[str, str]]:
    """The details of an event, each as (label, value) in words."""
    return [(DETAIL_LABELS.get(key, key.replace("_", " ")), _value(value)) for key, value in details.items()]


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, dict):
        return ", ".join(f"{key} : {_value(item)}" for key, item in value.items())
    return VALUE_LABELS.get(str(value), str(value))
