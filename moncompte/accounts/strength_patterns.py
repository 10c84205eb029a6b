"""The pattern matchers of the strength estimate (R-PW7): sequences ("abc", "9876"), repeats ("aaa", "abab")
and dates or years. They need no word list; strength.py adds the dictionary and combines the pieces.

Mirrored in static/accounts/strength.js, operation for operation (see strength.py).
"""

from dataclasses import dataclass

REFERENCE_YEAR = 2000
MIN_YEAR_SPACE = 20
DATE_SEPARATORS = ("/", "-", ".")


@dataclass(frozen=True)
class Piece:
    start: int
    end: int  # inclusive
    guesses: float
    kind: str  # a key of WARNINGS


def _char_class(c: str) -> str:
    if "0" <= c <= "9":
        return "digit"
    if "a" <= c <= "z":
        return "lower"
    if "A" <= c <= "Z":
        return "upper"
    return "other"


def sequence_pieces(password: str) -> list[Piece]:
    pieces = []
    n = len(password)
    i = 0
    while i < n - 2:
        delta = ord(password[i + 1]) - ord(password[i])
        cls = _char_class(password[i])
        if abs(delta) not in (1, 2) or cls == "other":
            i += 1
            continue
        j = i + 1
        while j + 1 < n and ord(password[j + 1]) - ord(password[j]) == delta and _char_class(password[j + 1]) == cls:
            j += 1
        if _char_class(password[j]) == cls and j - i + 1 >= 3:
            first = password[i]
            base = 4.0 if first in "aAzZ019" else (10.0 if cls == "digit" else 26.0)
            guesses = base * (j - i + 1) * (2.0 if delta < 0 else 1.0)
            pieces.append(Piece(i, j, guesses, "sequence"))
            i = j
        else:
            i += 1
    return pieces


def repeat_pieces(password: str) -> list[Piece]:
    pieces = []
    n = len(password)
    i = 0
    while i < n:
        j = i
        while j + 1 < n and password[j + 1] == password[i]:
            j += 1
        if j - i + 1 >= 3:
            cardinality = {"digit": 10.0, "lower": 26.0, "upper": 26.0}.get(_char_class(password[i]), 33.0)
            pieces.append(Piece(i, j, cardinality * (j - i + 1), "repeat"))
        i = j + 1
    return pieces


def _year_space(year: int) -> float:
    return float(max(abs(year - REFERENCE_YEAR), MIN_YEAR_SPACE))


def _valid_date(day: int, month: int, year: int) -> bool:
    return 1 <= day <= 31 and 1 <= month <= 12 and 1900 <= year <= 2049


def _full_year(yy: int) -> int:
    return 2000 + yy if yy < 50 else 1900 + yy


def date_pieces(password: str) -> list[Piece]:
    pieces = []
    n = len(password)
    for i in range(n):
        for length in (4, 6, 8, 10):
            j = i + length - 1
            if j >= n:
                break
            token = password[i : j + 1]
            year = _date_year(token)
            if year is not None:
                factor = 1.0 if length == 4 else 365.0
                pieces.append(Piece(i, j, factor * _year_space(year), "date"))
    return pieces


def _ascii_digits(text: str) -> bool:
    return bool(text) and all("0" <= c <= "9" for c in text)


def _date_year(token: str) -> int | None:
    """The year of a year (AAAA) or a date (JJMMAA, JJMMAAAA, AAAAMMJJ, with or without separators)."""
    if len(token) == 4 and _ascii_digits(token):
        year = int(token)
        return year if 1900 <= year <= 2049 else None
    digits = token
    if len(token) in (8, 10) and token[2] in DATE_SEPARATORS and token[5] in DATE_SEPARATORS:
        digits = token[0:2] + token[3:5] + token[6:]
    elif len(token) == 10 and token[4] in DATE_SEPARATORS and token[7] in DATE_SEPARATORS:
        digits = token[0:4] + token[5:7] + token[8:]
    if not _ascii_digits(digits):
        return None
    if len(digits) == 6:
        day, month, year = int(digits[0:2]), int(digits[2:4]), _full_year(int(digits[4:6]))
        return year if _valid_date(day, month, year) else None
    if len(digits) == 8:
        day, month, year = int(digits[0:2]), int(digits[2:4]), int(digits[4:8])
        if _valid_date(day, month, year):
            return year
        year, month, day = int(digits[0:4]), int(digits[4:6]), int(digits[6:8])
        return year if _valid_date(day, month, year) else None
    return None
