"""What posting or opening a message can refuse (R-MSG*), each with its stable code and French message."""

from moncompte.core.errors import DomainError


class MessageNotFound(DomainError):
    code = "message_not_found"
    message = "Ce message n'existe pas ou a été supprimé."


class MessageSubjectRefused(DomainError):
    code = "message_subject_invalid"
    field = "subject"


class MessageBodyRefused(DomainError):
    code = "message_body_invalid"
    field = "body"


class MessageAccountNotActive(DomainError):
    code = "account_not_active"
    message = "Ce compte n'est pas encore ouvert : il ne reçoit pas de messages."


class MessageNoConsent(DomainError):
    code = "promotional_not_consented"
    message = "Cette personne n'a pas accepté de recevoir des informations promotionnelles par email."
