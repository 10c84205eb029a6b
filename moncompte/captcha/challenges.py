"""CAPTCHA challenges (R-CAP1..4): create, draw, hear, answer once.

A challenge is not stored. Its id carries a random nonce, its creation time and a tag of the browser session
that asked for it, signed with the service key. Its two answers and every random choice of the drawing and
the audio are derived from the nonce with the service key, so:
- the picture and the sound have different answers (R-CAP5), either is accepted: a script that half-reads
  each gains nothing by combining them;
- the answers are never stored, not even hashed, and never leave the server but as a picture and a sound;
- fetching the picture or the sound again returns the same bytes (recent ones are kept in memory), so a
  script gains nothing by fetching a challenge many times and voting;
- answering writes one row (SpentToken), so a challenge answers once, in any process.
"""

import hashlib
import hmac
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from django.conf import settings

from moncompte.captcha import audio, image, limits
from moncompte.captcha.alphabet import ALPHABET, AUDIO_LENGTH, AUDIO_NUMBER_HIGH, AUDIO_NUMBER_LOW
from moncompte.core import tokens
from moncompte.core.client import Client
from moncompte.core.conf import conf

_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class Challenge:
    id: str
    expires_at: datetime


@dataclass(frozen=True)
class ParsedChallenge:
    nonce: str
    created_at: datetime
    binding_tag: str


def _base36(number: int) -> str:
    digits = ""
    while True:
        number, digit = divmod(number, 36)
        digits = _BASE36[digit] + digits
        if not number:
            return digits


def _mac(*parts: str) -> str:
    return tokens.digest(purpose="captcha_challenge", value="|".join(parts))[:24]


def binding_tag(binding: str) -> str:
    """What a challenge id says of the browser session that asked for it (not the session secret itself)."""
    return tokens.digest(purpose="captcha_binding", value=binding)[:12]


def challenge_create(*, binding: str, client: Client, now: datetime) -> Challenge:
    """A new challenge for the browser session `binding`. Counted: TooManyAttempts past the limits."""
    limits.creation_count(client=client, binding=binding, now=now)
    nonce = tokens.link_token()[:16]
    stamp, tag = _base36(int(now.timestamp())), binding_tag(binding)
    challenge_id = f"{nonce}.{stamp}.{tag}.{_mac(nonce, stamp, tag)}"
    return Challenge(id=challenge_id, expires_at=now + conf().captcha_lifetime)


def parse(challenge_id: str) -> ParsedChallenge | None:
    """The parts of a genuine challenge id; None for anything forged, altered or malformed."""
    parts = challenge_id.split(".")
    if len(parts) != 4 or not all(parts) or len(challenge_id) > 80 or not challenge_id.isascii():
        return None
    nonce, stamp, tag, mac = parts
    if not hmac.compare_digest(mac, _mac(nonce, stamp, tag)):
        return None
    return ParsedChallenge(nonce=nonce, created_at=datetime.fromtimestamp(int(stamp, 36), tz=UTC), binding_tag=tag)


def live(parsed: ParsedChallenge | None, now: datetime) -> bool:
    return parsed is not None and parsed.created_at <= now < parsed.created_at + conf().captcha_lifetime


def _stream(nonce: str, purpose: str) -> bytes:
    return hmac.new(
        hashlib.sha256(f"moncompte:captcha:{settings.SECRET_KEY}".encode()).digest(),
        f"{purpose}:{nonce}".encode(),
        hashlib.sha512,
    ).digest()


def image_answer_of(parsed: ParsedChallenge) -> str:
    return _image_answer(parsed.nonce)


def audio_answer_of(parsed: ParsedChallenge) -> str:
    return _audio_answer(parsed.nonce)


def _image_answer(nonce: str) -> str:
    """The characters to read, derived from the nonce; uniform over the alphabet (bytes above the last
    whole multiple of its size are skipped). Their count too, from a stream of its own: uniform from
    CAPTCHA_LENGTH_MIN to CAPTCHA_LENGTH_MAX (R-CAP5: a script that cuts the text evenly must guess it)."""
    low, high = conf().captcha_length_min, conf().captcha_length_max
    length = low + _uniform(_stream(nonce, "answer length"), high - low + 1)[0]
    return "".join(ALPHABET[i] for i in _uniform(_stream(nonce, "answer"), len(ALPHABET))[:length])


def _uniform(stream: bytes, span: int) -> list[int]:
    """Numbers from 0 to span - 1, uniform: bytes above the last whole multiple of `span` are skipped."""
    usable = 256 - 256 % span
    return [b % span for b in stream if b < usable]


def _audio_answer(nonce: str) -> str:
    """The numbers to hear (R-CAP5: never the picture's answer), from a stream of another purpose: numbers
    from 10 to 99, uniform, written one after the other as digits."""
    numbers = _uniform(_stream(nonce, "audio answer"), AUDIO_NUMBER_HIGH - AUDIO_NUMBER_LOW + 1)
    return "".join(str(AUDIO_NUMBER_LOW + number) for number in numbers[: AUDIO_LENGTH // 2])


def _rng_for(nonce: str, purpose: str) -> random.Random:
    # Not for secrets: the layout of one picture or sound, seeded from a keyed digest no one can predict.
    return random.Random(_stream(nonce, purpose))  # noqa: S311


def challenge_answer(*, challenge_id: str, kind: str = "image") -> str:
    """The answer of a genuine challenge to its picture (`kind="image"`) or to its sound (`kind="audio"`);
    "" for anything else. For automated tests and benchmarks: the server checks with _accepted (guard)."""
    parsed = parse(challenge_id)
    if parsed is None or kind not in ("image", "audio"):
        return ""
    return image_answer_of(parsed) if kind == "image" else audio_answer_of(parsed)


def challenge_png(*, challenge_id: str, now: datetime) -> bytes | None:
    parsed = parse(challenge_id)
    return _png(parsed.nonce) if parsed is not None and live(parsed, now) else None


def challenge_wav(*, challenge_id: str, now: datetime) -> bytes | None:
    parsed = parse(challenge_id)
    return _wav(parsed.nonce) if parsed is not None and live(parsed, now) else None


# One rendering per challenge: drawing is deterministic, so every process gives the same bytes; the most
# recent ones are kept in this process's memory (bounded: an audio clip weighs about 300 KB).
@lru_cache(maxsize=128)
def _png(nonce: str) -> bytes:
    return image.render_png(_image_answer(nonce), _rng_for(nonce, "image"))


@lru_cache(maxsize=16)
def _wav(nonce: str) -> bytes:
    return audio.render_wav(_audio_answer(nonce), _rng_for(nonce, "audio"))
