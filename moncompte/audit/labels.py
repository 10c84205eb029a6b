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
    "known_device": "appareil connu",
    "username": "utilisateur",
    "agent": "agent",
    "action": "action",
    "why": "raison du refus",
    "addresses": "adresses",
    "count": "nombre",
    "wanted": "demandé",
    "changed": "changé",
    "seconds": "secondes",
    "step": "étape",
    "service": "service",
    "sender_service": "service expéditeur",
    "key_id": "clé d'accès",
    "idempotency_key": "clé d'idempotence",
    "operation": "opération",
    "outcome": "issue",
    "counts": "résultats",
    "total": "total",
    "campaign": "campagne",
    "message": "message n°",
    "consent_record": "consentement n°",
    "consent_at": "consentement du",
    "email_id": "courriel n°",
    "source": "origine",
    "object": "objet",
    "document": "pièce d'identité",
    "request": "demande n°",
    "requested_by": "demandée par",
    "app_sessions_ended": "sessions de l'application fermées",
    "consents_withdrawn": "consentements retirés",
    "told": "personne prévenue à",
}

# Values the service writes as codes, in words: the desk's actions (R-SUP7), the refusals of the domain (`why`,
# `reason`, `outcome`: every DomainError's code, tests/audit/test_labels.py keeps the list complete), a link's
# state, a report's kind, a message's kind, the channel, the identity document, a posting's results.
VALUE_LABELS: dict[str, str] = {
    # The desk's actions (R-SUP7)
    "link_resend_for": "renvoyer le lien",
    "address_change_for": "changer l'adresse",
    "throttles_lift": "lever les limites",
    "links_void": "annuler les liens",
    "address_erase": "effacer l'adresse",
    "agent_create": "créer un agent",
    "person_not_opened": "fiche pas ouverte",
    "unknown_action": "action inconnue",
    "not_posted": "action pas envoyée par le formulaire",
    "on": "activer",
    "off": "désactiver",
    # Refusals of the domain (DomainError codes)
    "error": "erreur",
    "account_exists": "un compte existe déjà",
    "account_not_active": "compte pas encore ouvert",
    "birth_date_impossible": "date de naissance impossible",
    "birth_date_invalid": "date de naissance illisible",
    "captcha": "CAPTCHA refusé",
    "captcha_expired": "CAPTCHA expiré",
    "captcha_missing": "CAPTCHA absent",
    "captcha_not_found": "CAPTCHA inconnu",
    "captcha_work_outdated": "preuve de travail périmée",
    "captcha_work_refused": "preuve de travail refusée",
    "captcha_wrong": "réponse au CAPTCHA fausse",
    "code_expired": "code expiré",
    "code_used": "code déjà utilisé",
    "concurrent_change": "compte modifié au même moment",
    "consent_invalid": "consentement illisible",
    "consent_missing": "consentement non renseigné",
    "consent_not_offered": "consentement non proposé",
    "credential_refused": "accès refusé",
    "email_accent_before_at": "lettre accentuée avant le @",
    "email_invalid": "adresse email non valide",
    "email_taken": "adresse déjà utilisée par un autre compte",
    "email_unchanged": "adresse inchangée",
    "emails_differ": "les deux adresses diffèrent",
    "idempotency_key_reused": "clé d'idempotence déjà utilisée",
    "identity_not_matched": "identité non reconnue",
    "inputs_refused": "saisies refusées",
    "invalid_input": "saisie refusée",
    "link_resend_impossible": "pas d'adresse à laquelle renvoyer le lien",
    "link_resend_limited": "limite des renvois de lien",
    "message_body_invalid": "texte du message refusé",
    "message_not_found": "message introuvable",
    "message_subject_invalid": "objet du message refusé",
    "nir_birth_mismatch": "NIR et date de naissance incohérents",
    "nir_invalid": "NIR non valide",
    "nir_temporary": "NIR provisoire",
    "null_character": "caractère nul",
    "password_refused": "code personnel refusé",
    "personal_code_address": "code personnel déjà choisi",
    "personal_code_changed_meanwhile": "code personnel changé entre-temps",
    "phone_invalid": "numéro de téléphone non valide",
    "postal_code_invalid": "code postal non valide",
    "promotional_not_consented": "pas de consentement aux informations promotionnelles",
    "reason_missing": "motif manquant",
    "required": "saisie obligatoire manquante",
    "restart_already_decided": "demande de reprise déjà traitée",
    "restart_already_pending": "demande de reprise déjà en attente",
    "restart_expired": "demande de reprise expirée",
    "restart_identity_not_checked": "identité non vérifiée en présence de la personne",
    "restart_own_request": "sa propre demande (quatre yeux)",
    "restart_reason_too_short": "motif de reprise trop court",
    "restart_refused": "reprise refusée",
    "restart_unknown": "demande de reprise inconnue",
    "restricted_scope": "session limitée",
    "restricted_session_expired": "session limitée expirée",
    "scope_missing": "droit manquant",
    "sign_in_blocked": "connexion bloquée",
    "sign_in_rejected": "connexion refusée",
    "staff_refused": "création refusée",
    "supervisor_only": "réservé aux superviseurs",
    "token_refused": "jeton refusé",
    "too_long": "trop long",
    "too_many_active_credentials": "trop d'accès actifs",
    "too_many_attempts": "trop d'essais",
    "too_many_recipients": "trop de destinataires",
    "transition_not_allowed": "étape déjà faite ou pas permise",
    "unsubscribe_link_invalid": "lien de désabonnement non valable",
    "wrong_current_password": "code personnel actuel faux",
    "attack_mode_network": "mode attaque : une réussite par heure et par réseau",
    # A link's state when it was opened (email_link_opened)
    "valid": "valable",
    "confirmed": "confirmé",
    "already_confirmed": "déjà confirmé",
    "replaced": "remplacé par un lien plus récent",
    "expired": "expiré",
    "forgotten": "oublié ou inconnu",
    # A delivery report's kind (email_reported)
    "hard": "adresse inexistante ou fermée",
    "refused": "refusé par la messagerie du destinataire",
    "soft": "retardé (problème temporaire)",
    "delivered": "remis dans la boîte du destinataire",
    "complaint": "signalé comme indésirable par le destinataire",
    # A message's kind, a posting's outcome and results (R-MSG*)
    "normal": "message",
    "promotional": "information promotionnelle",
    "messages_post": "dépôt de messages",
    "ok": "fait",
    "replayed": "déjà fait (même clé d'idempotence)",
    "posted": "déposés",
    "no_account": "pas de compte",
    "invalid_nir": "NIR illisible",
    "duplicate": "NIR en double",
    "desabonnement_1clic": "désabonnement en un clic",
    # The channel of the request, the consent's channel
    "app": "application",
    "internal": "API interne",
    "campaign": "campagne",
    "email": "par email",
    "mobile_call": "par téléphone (portable)",
    "mobile_sms": "par SMS",
    "landline_call": "par téléphone (fixe)",
    # The CAPTCHA's step
    "identity": "étape d'identité",
    "code_forgot": "« Code oublié ? »",
    # The identity document shown at the counter (R-BOT2)
    "carte_identite": "carte nationale d'identité",
    "passeport": "passeport",
    "titre_sejour": "titre de séjour",
    "permis_conduire": "permis de conduire",
}
# Details written as typed or as named (a reason, a name, a masked address, a key): never read as codes.
AS_WRITTEN = frozenset({"staff", "username", "agent", "requested_by", "email", "told", "object", "key_id"})
AS_WRITTEN |= {"idempotency_key", "service", "sender_service", "campaign", "device"}


def event_label(code: str) -> str:
    """The event in words; one the list does not know (tests/audit/test_labels.py keeps it complete) is never
    shown by its code."""
    return EVENT_LABELS.get(code, "Autre événement")


def details_in_words(details: dict[str, Any]) -> list[tuple[str, str]]:
    """The details of an event, each as (label, value) in words; a key the list does not know (the test keeps it
    complete) is said « détail », never by its code."""
    return [
        (DETAIL_LABELS.get(key, "détail"), _value(value, as_written=key in AS_WRITTEN))
        for key, value in details.items()
    ]


def _value(value: Any, *, as_written: bool = False) -> str:
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, dict):
        return ", ".join(f"{_value(key)} : {_value(item)}" for key, item in value.items())
    return str(value) if as_written else VALUE_LABELS.get(str(value), str(value))
