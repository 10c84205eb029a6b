"""R-MSG2: what a message's subject and body may hold: plain text, within the settings' lengths, no control
character (a tab and line ends in the body, where they mean something)."""

import unicodedata

from moncompte.core.conf import conf
from moncompte.core.errors import DomainError, InputsRefused
from moncompte.messaging.errors import MessageBodyRefused, MessageSubjectRefused

BODY_KEEPS = {"\n", "\t"}


def _controls(text: str, allowed: set[str]) -> bool:
    return any(unicodedata.category(char) == "Cc" and char not in allowed for char in text)


def message_texts_check(*, subject: str, body: str) -> tuple[str, str]:
    """The subject (trimmed) and body (line ends as \\n, trailing spaces trimmed) to store; InputsRefused
    naming each refused one otherwise."""
    subject = subject.strip()
    body = body.replace("\r\n", "\n").replace("\r", "\n").strip()
    config, errors = conf(), list[DomainError]()
    if not subject:
        errors.append(MessageSubjectRefused("Le message doit avoir un objet."))
    elif len(subject) > config.message_subject_max_length:
        limit = config.message_subject_max_length
        errors.append(MessageSubjectRefused(f"L'objet fait {len(subject)} caractères : {limit} au plus."))
    elif _controls(subject, set()):
        errors.append(MessageSubjectRefused("L'objet contient un caractère de contrôle."))
    if not body:
        errors.append(MessageBodyRefused("Le message doit avoir un texte."))
    elif len(body) > config.message_body_max_length:
        limit = config.message_body_max_length
        errors.append(MessageBodyRefused(f"Le texte fait {len(body)} caractères : {limit} au plus."))
    elif _controls(body, BODY_KEEPS):
        errors.append(MessageBodyRefused("Le texte contient un caractère de contrôle."))
    if errors:
        raise InputsRefused(errors)
    return subject, body
