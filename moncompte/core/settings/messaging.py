"""The settings of « Ma messagerie »: the messages posted to an account and the emails that announce them
(R-MSG*)."""

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, kw_only=True)
class MessagingSettings:
    message_subject_max_length: int = 200  # R-MSG2: characters of a message's subject
    message_body_max_length: int = 10_000  # R-MSG2: characters of a message's body
    messages_per_page: int = 50  # R-MSG3: the box lists this many messages per page, newest first
    # R-MSG5: at most one notification email per person in this time while messages stay unread.
    message_notice_interval: timedelta = timedelta(hours=24)
    # R-MSG7: how long the one-click unsubscribe address of a notification works.
    unsubscribe_link_lifetime: timedelta = timedelta(days=90)
    internal_api_max_recipients: int = 10_000  # R-MSG9: NIRs in one call of the internal API
    service_credentials_active_max: int = 2  # R-MSG8: active credentials per service (two for a rotation)

    def _check_messaging(self) -> list[str]:
        if self.message_subject_max_length < 1 or self.message_body_max_length < 1 or self.messages_per_page < 1:
            return ["MESSAGE_SUBJECT_MAX_LENGTH, MESSAGE_BODY_MAX_LENGTH, MESSAGES_PER_PAGE : au moins 1"]
        return []
