"""R-PW7: "Niveau indicatif de sécurité", a zxcvbn-style estimate with French word lists.

The same algorithm runs in the browser (static/accounts/strength.js) on the same word lists
(static/accounts/strength-words.json); a test runs both on a corpus and compares every result. Keep the two
files in step: same constants, same order of operations (floating-point products only, no logarithms, so
both languages compute bit-identical numbers).

The estimate: find the guessable pieces of the code (dictionary words, including reversed or with l33t
substitutions, sequences like "abc", repeats like "aaa", years and dates), then the cheapest way to cover
the whole code with pieces and brute force, as zxcvbn does: guesses = k! x product(piece guesses) + D^(k-1).
The matchers that need no word list are in strength_patterns.py.
"""

import json
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from moncompte.accounts.strength_patterns import Piece, date_pieces, repeat_pieces, sequence_pieces
from moncompte.core.conf import conf

WORDS_FILE = Path(__file__).parent / "static" / "accounts" / "strength-words.json"
MAX_WORD = 20
L33T = {"4": "a", "@": "a", "3": "e", "1": "i", "!": "i", "0": "o", "$": "s", "5": "s", "7": "t", "+": "t"}
BRUTEFORCE_CARDINALITY = 10.0
MIN_GUESSES_BEFORE_GROWING_SEQUENCE = 10000.0
THRESHOLDS = (1e3 + 5, 1e6 + 5, 1e8 + 5, 1e10 + 5)
LABELS = ("Très faible", "Faible", "Moyen", "Bon", "Très bon")
WARN_UP_TO_SCORE = 2

WARNINGS = {
    "common": "Ce code fait partie des plus utilisés : il serait deviné en quelques essais.",
    "user": "Évitez votre nom et votre prénom.",
    "password": "Il contient un mot de passe très courant.",
    "word": "Les mots du dictionnaire et les prénoms se devinent facilement.",
    "sequence": "Les suites comme « abc » ou « 123 » se devinent facilement.",
    "repeat": "Les répétitions comme « aaa » se devinent facilement.",
    "date": "Les dates et les années se devinent facilement.",
}
WARNING_ORDER = ("user", "password", "word", "sequence", "repeat", "date")


@dataclass(frozen=True)
class Strength:
    score: int  # 0..4
    label: str
    guesses: float
    warning: str


@cache
def _ranked() -> dict[str, tuple[int, str]]:
    """word -> (rank, list), the best rank over the lists, in the order the JSON gives them."""
    lists = json.loads(WORDS_FILE.read_text())
    ranked: dict[str, tuple[int, str]] = {}
    for name in ("passwords", "french_words", "names"):
        for index, word in enumerate(lists[name]):
            if word not in ranked:
                ranked[word] = (index + 1, name)
    return ranked


def _ascii_lower(text: str) -> str:
    """Only A-Z are lowered: the browser and the server then agree on every character."""
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in text)


def _upper_variations(token: str) -> float:
    upper = sum(1 for c in token if "A" <= c <= "Z")
    lower = sum(1 for c in token if "a" <= c <= "z")
    if upper == 0:
        return 1.0
    if lower == 0 or (upper == 1 and ("A" <= token[0] <= "Z" or "A" <= token[-1] <= "Z")):
        return 2.0
    total = 0.0
    for i in range(1, min(upper, lower) + 1):
        total += _binomial(upper + lower, i)
    return total


def _binomial(n: int, k: int) -> float:
    result = 1.0
    for d in range(1, k + 1):
        result = result * (n - k + d) / d
    return result


def _dictionary(password: str, user_words: dict[str, int]) -> list[Piece]:
    lower = _ascii_lower(password)
    plain = "".join(L33T.get(c, c) for c in lower)
    pieces = []
    n = len(password)
    for i in range(n):
        for j in range(i + 2, min(n, i + MAX_WORD)):
            token = password[i : j + 1]
            substituted = sum(1 for c in lower[i : j + 1] if c in L33T)
            for candidate, l33t in ((lower[i : j + 1], 0), (plain[i : j + 1], substituted)):
                if l33t and candidate == lower[i : j + 1]:
                    continue
                for word, reversed_factor in ((candidate, 1.0), (candidate[::-1], 2.0)):
                    if reversed_factor == 2.0 and word == candidate:
                        continue
                    found = _lookup(word, user_words)
                    if found is None:
                        continue
                    rank, kind = found
                    guesses = rank * _upper_variations(token) * reversed_factor
                    for _ in range(l33t):
                        guesses = guesses * 2.0
                    pieces.append(Piece(i, j, guesses, kind))
    return pieces


def _lookup(word: str, user_words: dict[str, int]) -> tuple[int, str] | None:
    if word in user_words:
        return user_words[word], "user"
    found = _ranked().get(word)
    if found is None:
        return None
    rank, name = found
    return rank, "password" if name == "passwords" else "word"


def _power(base: float, exponent: int) -> float:
    result = 1.0
    for _ in range(exponent):
        result = result * base
    return result


def _factorial(k: int) -> float:
    result = 1.0
    for i in range(2, k + 1):
        result = result * i
    return result


def _cheapest_cover(n: int, pieces: list[Piece]) -> float:
    """Dynamic programming over (position, number of pieces): [ending on a piece, ending in brute force]."""
    infinity = float("inf")
    by_end: list[list[Piece]] = [[] for _ in range(n)]
    for piece in pieces:
        by_end[piece.end].append(piece)
    best: list[dict[int, list[float]]] = []
    for k in range(n):
        current: dict[int, list[float]] = {}

        def offer(count: int, slot: int, value: float, current: dict[int, list[float]] = current) -> None:
            entry = current.setdefault(count, [infinity, infinity])
            if value < entry[slot]:
                entry[slot] = value

        if k == 0:
            offer(1, 1, BRUTEFORCE_CARDINALITY)
        else:
            for count, (after_piece, after_brute) in best[k - 1].items():
                if after_brute < infinity:
                    offer(count, 1, after_brute * BRUTEFORCE_CARDINALITY)
                if after_piece < infinity:
                    offer(count + 1, 1, after_piece * BRUTEFORCE_CARDINALITY)
        for piece in by_end[k]:
            if piece.start == 0:
                offer(1, 0, piece.guesses)
            else:
                for count, (after_piece, after_brute) in best[piece.start - 1].items():
                    offer(count + 1, 0, min(after_piece, after_brute) * piece.guesses)
        best.append(current)
    total = infinity
    for count, products in best[n - 1].items():
        for product in products:
            guesses = _factorial(count) * product
            if count > 1:
                guesses = guesses + _power(MIN_GUESSES_BEFORE_GROWING_SEQUENCE, count - 1)
            if guesses < total:
                total = guesses
    return total


def _user_words(user_inputs: list[str]) -> dict[str, int]:
    words: dict[str, int] = {}
    for value in user_inputs:
        plain = "".join(c for c in unicodedata.normalize("NFD", value) if not unicodedata.combining(c))
        for word in _ascii_lower(plain).replace("-", " ").split(" "):
            if len(word) >= 3 and word not in words:
                words[word] = len(words) + 1
    return words


def estimate(password: str, *, user_inputs: list[str] | None = None) -> Strength:
    password = password[: conf().personal_code_max_length]  # R-PW1: the cost grows with the length
    if not password:
        return Strength(0, LABELS[0], 0.0, "")
    user_words = _user_words(user_inputs or [])
    pieces = (
        _dictionary(password, user_words) + sequence_pieces(password) + repeat_pieces(password) + date_pieces(password)
    )
    guesses = _cheapest_cover(len(password), pieces)
    score = sum(1 for threshold in THRESHOLDS if guesses >= threshold)
    # As zxcvbn: advice only where the code is weak, so a very good code is not told off.
    warning = _warning(password, pieces) if score <= WARN_UP_TO_SCORE else ""
    return Strength(score, LABELS[score], guesses, warning)


def _warning(password: str, pieces: list[Piece]) -> str:
    lower = _ascii_lower(password)
    ranked = _ranked().get("".join(L33T.get(c, c) for c in lower)) or _ranked().get(lower)
    if ranked is not None and ranked[1] == "passwords":
        return WARNINGS["common"]
    kinds = {piece.kind for piece in pieces if piece.end - piece.start + 1 >= 4 or piece.kind == "sequence"}
    for kind in WARNING_ORDER:
        if kind in kinds:
            return WARNINGS[kind]
    return ""
