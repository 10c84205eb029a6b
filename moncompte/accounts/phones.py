"""R-CT3: French phone numbers, checked with phonenumbers, stored E.164, shown the French way."""

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

from moncompte.core.errors import DomainError

# Metropolitan France and the overseas departments, which have their own country codes.
REGIONS = ("FR", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF")


class PhoneInvalid(DomainError):
    code = "phone_invalid"


def _parse(raw: str) -> phonenumbers.PhoneNumber:
    text = raw.strip()
    for region in REGIONS:
        try:
            number = phonenumbers.parse(text, region)
        except NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return number
        if text.startswith("+"):
            break
    raise PhoneInvalid("Ce numéro n'est pas un numéro de téléphone valide (exemple : 06 12 34 56 78).")


def parse_mobile(raw: str) -> str:
    number = _parse(raw)
    if phonenumbers.number_type(number) not in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE):
        raise PhoneInvalid("Ce numéro n'est pas un numéro de portable (il commence en général par 06 ou 07).")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_landline(raw: str) -> str:
    number = _parse(raw)
    landline_types = (PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE, PhoneNumberType.VOIP)
    if phonenumbers.number_type(number) not in landline_types:
        raise PhoneInvalid("Ce numéro n'est pas un numéro de téléphone fixe (il commence par 01 à 05 ou 09).")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display(e164: str) -> str:
    """'+33650564278' -> '06 50 56 42 78'."""
    if not e164:
        return ""
    number = phonenumbers.parse(e164)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
