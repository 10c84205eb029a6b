"""The examples of the app's OpenAPI document: one person's first visit and account (Camille Durand, of the tests'
registry), with answers as the API gives them. tests/api/test_openapi_document.py checks each against its schema,
the typed inputs against the domain's rules, and the proof of work against its challenge."""

from typing import Any, Final

from moncompte.core.tokens import mask_email

NIR: Final = "2 84 05 88 321 025 32"
BIRTH_DATE: Final = "03/05/1984"
EMAIL: Final = "camille.durand@example.fr"
MASKED: Final = mask_email(EMAIL)
# Not the tests' personal code (tests/factories.py): schemathesis sends these examples too, and this one would change
# the code of the account it walks the API with.
PERSONAL_CODE: Final = "Montagne-Bleue-37"
NEW_PERSONAL_CODE: Final = "Randonnee-Vosges-2026"
CHALLENGE_ID: Final = "wKZ74A57WMIw9g7h.tb9l00.7c0b1acc6e8a.c351cf8b8bfc84381d463850"
CHALLENGE_KEY: Final = "ja9urMY67d3OjJlZMxptgcCZFFZLR_yO"
ACCESS_TOKEN: Final = "mca_la9tEGnlZDBkJXR-m7HWW5NlOQJaZjWJIHANWRH-uUg"  # noqa: S105 - an example, no real one
REFRESH_TOKEN: Final = "mcr_09Ek1k_fCzAdUMXzmcVRwj0EpszQbs_cr6fcBc39h4E"  # noqa: S105 - as above
DEVICE_TOKEN: Final = "3.SUXX_PWu9FgIQwiWmqHJhHpdIU8aonbjFNUKzz8px_c"  # noqa: S105 - as above

# An ALTCHA challenge as POST /captcha gives it, and its solution (number 48213) as the app sends it.
WORK: Final = (
    '{"algorithm": "SHA-256", "challenge": "120cd696c0d1c4c27a21db08dbd525cdcdbf758511436bcb39a4c0ab95695ff8", '
    '"maxNumber": 200000, "salt": "bbb4c6418cde7c96fb613d6c?expires=1772442300&difficulty=200000&client='
    '1b2638c0fa2ad6f2&challenge=38ca1efc15b23bfe&", "signature": '
    '"b1e13da26ea98670ea9e75db529fd7be1550d550452843db1137a85dd3d10c98"}'
)
PROOF: Final = (
    "eyJhbGdvcml0aG0iOiAiU0hBLTI1NiIsICJjaGFsbGVuZ2UiOiAiMTIwY2Q2OTZjMGQxYzRjMjdhMjFkYjA4ZGJkNTI1Y2RjZGJmNzU4NTEx"
    "NDM2YmNiMzlhNGMwYWI5NTY5NWZmOCIsICJudW1iZXIiOiA0ODIxMywgInNhbHQiOiAiYmJiNGM2NDE4Y2RlN2M5NmZiNjEzZDZjP2V4cGly"
    "ZXM9MTc3MjQ0MjMwMCZkaWZmaWN1bHR5PTIwMDAwMCZjbGllbnQ9MWIyNjM4YzBmYTJhZDZmMiZjaGFsbGVuZ2U9MzhjYTFlZmMxNWIyM2Jm"
    "ZSYiLCAic2lnbmF0dXJlIjogImIxZTEzZGEyNmVhOTg2NzBlYTllNzVkYjUyOWZkN2JlMTU1MGQ1NTA0NTI4NDNkYjExMzdhODVkZDNkMTBj"
    "OTgifQ=="
)
CAPTCHA: Final = {"captcha_id": CHALLENGE_ID, "captcha_key": CHALLENGE_KEY, "captcha_answer": "K9PXRW3HF"}

CHALLENGE: Final = {
    "id": CHALLENGE_ID,
    "key": CHALLENGE_KEY,
    "image": f"/api/v1/captcha/{CHALLENGE_ID}/image.png",
    "audio": f"/api/v1/captcha/{CHALLENGE_ID}/audio.wav",
    "expires_in": 300,
    "work": WORK,
}
IDENTITY: Final = {
    "Date au format JJ/MM/AAAA, avec la preuve de travail": {
        "nir": NIR,
        "birth_date": BIRTH_DATE,
        "postal_code": "88100",
        "email": EMAIL,
        **CAPTCHA,
        "captcha_work": PROOF,
    },
    "Date au format ISO, sans preuve de travail": {
        "nir": "284058832102532",
        "birth_date": "1984-05-03",
        "postal_code": "88 100",
        "email": EMAIL,
        **CAPTCHA,
        "captcha_answer": "47 83 12 65 39",
    },
}
CODE_SENT: Final = {"email_masked": MASKED, "expires_at": "2026-03-02T09:30:00Z"}
SIGN_IN: Final = {
    "Avec le code provisoire reçu par email": {"nir": NIR, "code": "AvWjaDdA9U", "device_name": "Pixel de Camille"},
    "Avec le code personnel, d'un appareil de confiance": {
        "nir": NIR,
        "code": PERSONAL_CODE,
        "device_name": "Pixel de Camille",
        "device_token": DEVICE_TOKEN,
    },
}
PAIR: Final = {
    "token_type": "Bearer",
    "access_token": ACCESS_TOKEN,
    "expires_in": 900,
    "refresh_token": REFRESH_TOKEN,
    "device_token": None,
}
SIGNED_IN: Final = {**PAIR, "device_token": DEVICE_TOKEN, "scope": "account", "next_step": "account", "message": ""}
RESTRICTED: Final = {
    **PAIR,
    "access_token": "mcr_dF2cXrQcYMurgr8JZBdOR4BIEgPeAbpM6bkkrP2cnoo",
    "expires_in": 1800,
    "refresh_token": None,
    "scope": "choose_personal_code",
    "next_step": "choose_personal_code",
    "message": "",
}
TO_CONFIRM: Final = {
    **SIGNED_IN,
    "next_step": "confirm_email",
    "message": "Cliquez sur le lien reçu par email pour confirmer votre adresse ; seul le plus récent fonctionne.",
}
PERSONAL_CODE_CHOSEN: Final = {
    "Le code choisi deux fois": {"password": PERSONAL_CODE, "confirmation": PERSONAL_CODE},
}
# The first personal code trusts the device as a sign-in with it does: a device token comes with the pair.
CONTACT_STEP: Final = {
    **PAIR,
    "device_token": DEVICE_TOKEN,
    "scope": "account",
    "next_step": "give_contact_details",
    "message": "",
}
CONTACT: Final = {
    "Avec un portable": {
        "email": EMAIL,
        "email_confirmation": EMAIL,
        "mobile": "06 12 34 56 78",
        "consent_email": False,
        "consent_mobile_call": False,
        "consent_mobile_sms": True,
    },
    "Sans téléphone": {"email": EMAIL, "email_confirmation": "Camille.Durand@example.fr", "consent_email": True},
}
LINK_SENT: Final = {"email_masked": MASKED}
OTHER_EMAIL: Final = {
    "Une autre adresse": {"email": "camille.d@example.org", "email_confirmation": "camille.d@example.org"},
}
OTHER_LINK_SENT: Final = {"email_masked": mask_email("camille.d@example.org")}
REFRESH: Final = {"Le dernier jeton de renouvellement reçu": {"refresh_token": REFRESH_TOKEN}}
SESSIONS: Final = [
    {
        "id": 5,
        "device_name": "Pixel de Camille",
        "created_at": "2026-03-02T09:00:00Z",
        "last_used_at": "2026-03-02T09:12:41Z",
        "current": True,
    },
    {
        "id": 9,
        "device_name": "iPad",
        "created_at": "2026-02-14T18:03:27Z",
        "last_used_at": "2026-02-28T20:45:02Z",
        "current": False,
    },
]
CONSENTS: Final = [
    {"channel": "email", "label": "par email", "granted": True},
    {"channel": "mobile_call", "label": "par téléphone (portable)", "granted": False},
    {"channel": "mobile_sms", "label": "par SMS", "granted": True},
]
ACCOUNT: Final = {
    "first_name": "Camille",
    "last_name": "DURAND",
    "email": EMAIL,
    "pending_email": "",
    "pending_email_masked": "",
    "mobile": "06 12 34 56 78",
    "landline": "",
    "consents": CONSENTS,
}
CONSENT: Final = {
    "Accepter les informations promotionnelles": {"granted": True},
    "Les refuser, ou retirer son accord": {"granted": False},
}
PHONES: Final = {
    "Un portable et un fixe": {
        "mobile": "06 12 34 56 78",
        "landline": "01 23 45 67 89",
        "consent_mobile_call": False,
        "consent_mobile_sms": True,
        "consent_landline_call": False,
    },
    "Le fixe retiré, le portable gardé": {
        "mobile": "06 12 34 56 78",
        "landline": "",
        "consent_mobile_call": False,
        "consent_mobile_sms": True,
    },
}
PHONES_CHANGED: Final = {
    **ACCOUNT,
    "landline": "01 23 45 67 89",
    "consents": [*CONSENTS, {"channel": "landline_call", "label": "par téléphone (fixe)", "granted": False}],
}
EMAIL_CHANGE: Final = {
    "Une nouvelle adresse": {
        "email": "camille.d@example.org",
        "email_confirmation": "camille.d@example.org",
        "current_password": PERSONAL_CODE,
    }
}
PERSONAL_CODE_CHANGE: Final = {
    "Un nouveau code": {
        "current_password": PERSONAL_CODE,
        "password": NEW_PERSONAL_CODE,
        "confirmation": NEW_PERSONAL_CODE,
    }
}
PERSONAL_CODE_CHANGED: Final = {**PAIR, "device_token": "4.Jq0s2n3kYw9E8rF1tUvXbA5cZdLhM6pGiRoTe7yWx_4"}
CODE_FORGOT: Final = {
    "D'un appareil de confiance": {
        "nir": NIR,
        "birth_date": BIRTH_DATE,
        **CAPTCHA,
        "captcha_work": PROOF,
        "device_token": DEVICE_TOKEN,
    },
}
CODE_FORGOT_ANSWER: Final = {
    "message": "Si les informations saisies correspondent à un compte, un code provisoire vient d'être envoyé à "
    "l'adresse email de ce compte. Il est valable 30 minutes."
}
MESSAGE_LINE: Final = {
    "id": 42,
    "subject": "Votre attestation de droits est disponible",
    "sender_service": "Caisse primaire d'assurance maladie des Vosges",
    "posted_at": "2026-03-01T08:15:00Z",
    "unread": True,
    "promotional": False,
}
BOX: Final = {"messages": [MESSAGE_LINE], "unread": 1, "page": 1, "has_next": False}
MESSAGE: Final = {
    **{name: value for name, value in MESSAGE_LINE.items() if name != "unread"},
    "body": "Bonjour,\n\nVotre attestation de droits est disponible sur https://www.ameli.fr/.\n\nVotre Caisse "
    "d'Assurance Maladie",
}
PROBLEM: Final[dict[str, Any]] = {
    "type": "/api/v1/problemes/nir_invalid",
    "title": "La clé (les 2 derniers chiffres) ne correspond pas au numéro : vérifiez votre saisie.",
    "status": 400,
    "detail": "La clé (les 2 derniers chiffres) ne correspond pas au numéro : vérifiez votre saisie.",
    "code": "nir_invalid",
    "field": "nir",
    "errors": [
        {
            "code": "nir_invalid",
            "field": "nir",
            "detail": "La clé (les 2 derniers chiffres) ne correspond pas au numéro : vérifiez votre saisie.",
        },
        {
            "code": "postal_code_invalid",
            "field": "postal_code",
            "detail": "Le code postal comporte 5 chiffres, par exemple 75011.",
        },
    ],
}

# R-API4: a request the document does not allow, every member at fault at once (the contact step without the
# address typed again, and a consent sent as 0).
INVALID_INPUT: Final[dict[str, Any]] = {
    "type": "/api/v1/problemes/invalid_input",
    "title": "La demande est incomplète ou mal formée : vérifiez les champs indiqués.",
    "status": 400,
    "detail": "La demande est incomplète ou mal formée : vérifiez les champs indiqués.",
    "code": "invalid_input",
    "field": "email_confirmation",
    "errors": [
        {"code": "invalid_input", "field": "email_confirmation", "detail": "Ce membre est obligatoire."},
        {
            "code": "invalid_input",
            "field": "consent_email",
            "detail": "Cette valeur n'a pas le type ou la forme que le document décrit pour ce membre.",
        },
    ],
}

# R-EM10: the link of the email, opened by the app (its token: what follows /email/ in its address).
EMAIL_CONFIRM: Final = {"Le jeton du lien reçu": {"token": "pXjx1_f6mA2mN0kq3WbV5yZ8cR4tL7hG9sD2eQ6uI1oY3aT5kP0wA"}}
EMAIL_CONFIRMED: Final = {
    "status": "confirmed",
    "email_masked": MASKED,
    "address_changed": False,
    "message": "Votre adresse email est confirmée : votre compte est prêt. Vous pouvez vous connecter avec votre "
    "numéro de sécurité sociale et votre code personnel.",
}
