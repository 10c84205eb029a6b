"""The settings of the defences against scripts and mass account creation (R-CAP*, R-BOT*), merged into
settings.MONCOMPTE (every count can be set from the environment, as the others: MONCOMPTE_<NAME>)."""

from datetime import timedelta
from typing import Any

DEFENCES: dict[str, Any] = {
    "CAPTCHA_LIFETIME": timedelta(minutes=5),
    # Characters of the picture, a count drawn per challenge and never told (R-CAP5: a trained reader that cuts
    # the text evenly must guess it; seven or eight crowded characters resist it).
    "CAPTCHA_LENGTH_MIN": 7,
    "CAPTCHA_LENGTH_MAX": 8,
    "CAPTCHA_NEW_PER_CLIENT": 60,  # new challenges an hour (pages shown, "Nouveau code")
    "CAPTCHA_NEW_PER_NETWORK": 600,  # the same for a whole /24 or /48 (R-LIM2 sizing: docs/rules.md, R-CAP4)
    "CAPTCHA_NEW_PER_SESSION": 30,  # per browser session or API key
    "CAPTCHA_MEDIA_PER_CLIENT": 400,  # pictures and sounds fetched an hour (a browser may fetch a sound in parts)
    "CAPTCHA_MEDIA_PER_NETWORK": 4000,
    "CAPTCHA_FAILURES_PER_CLIENT": 20,  # wrong answers an hour
    "CAPTCHA_FAILURES_PER_NETWORK": 200,
    "CAPTCHA_FAILURES_PER_SESSION": 8,
    "CAPTCHA_WITHOUT_WORK_PER_CLIENT": 10,  # answers an hour without the proof of work (JavaScript off)
    "CAPTCHA_WITHOUT_WORK_PER_NETWORK": 100,
    # R-CAP6: numbers the proof of work may need to try (half on average); doubles with each failure of the
    # client. Sized with bench/captcha_work.py: a phone's browser well under a second at the base.
    "CAPTCHA_WORK_BASE": 200_000,
    "CAPTCHA_WORK_MAX": 3_200_000,  # a phone: a few seconds
    "CAPTCHA_WORK_NETWORK_FAILURES": 10,  # each such many failures of the neighbours (/24, /48) add the base once
    "CAPTCHA_WORK_ATTACK_FACTOR": 8,  # attack mode (R-BOT1) multiplies everyone's work by this
    "CAPTCHA_WORK_ATTACK_MAX": 6_400_000,  # and raises the ceiling to this
    "CAPTCHA_NETWORK_ATTACK_DIVISOR": 4,  # attack mode (R-BOT1) divides every per-network CAPTCHA limit by this
    # R-BOT1, attack mode. Each process keeps the mode for this many seconds (it is asked on every CAPTCHA page).
    "ATTACK_MODE_CACHE_SECONDS": 5,
    # A supervisor's switch holds the automatic one back for this long (their judgement wins meanwhile).
    "ATTACK_MODE_SUPERVISOR_HOLD": timedelta(hours=1),
    # Switched on by itself, it stays on at least this long, then ends once every signal is at or below
    # BOT_RELEASE_PERCENT of its threshold (hysteresis: no flapping around the threshold).
    "ATTACK_MODE_MIN_DURATION": timedelta(minutes=30),
    "BOT_RELEASE_PERCENT": 50,
    # R-BOT1 velocity signals: the sliding hour, and the sliding ten minutes, trip attack mode above
    # max(minimum of its scope, mean x BOT_THRESHOLD_MEAN_PERCENT / 100 + k x stdev + k² / 4), k =
    # BOT_THRESHOLD_STDEVS, of the same window in its baseline: the same time of day (one hour either side) on
    # each of the BOT_BASELINE_DAYS previous days (k² / 4: the skew of small counts, velocity.threshold_of).
    "BOT_BASELINE_DAYS": 7,
    "BOT_THRESHOLD_MEAN_PERCENT": 100,
    "BOT_THRESHOLD_STDEVS": 4,
    "BOT_MINIMUM_GLOBAL": 100,  # an hour, whatever the baseline: a new service's first days do not trip it
    "BOT_MINIMUM_NETWORK": 10,  # a /24 (IPv4) or /48 (IPv6)
    "BOT_MINIMUM_DOMAIN": 30,  # an email domain
    "BOT_MINIMUM_DEPARTEMENT": 30,  # the département of the postal code
    # Over ten minutes, this share of the hour's minimum: a fast burst is seen sooner, where the baseline is too
    # small to say anything (a new service, a network, a small domain). bench/botnet.py: 240 people an hour,
    # the global ten minutes trip at 40 + 4 x 6.3 + 4 = 69, above this minimum (50).
    "BOT_MINIMUM_TEN_MINUTES_PERCENT": 50,
    # In attack mode, identity steps passed from one network in an hour (beyond: « trop d'essais, patientez »).
    "ATTACK_IDENTITY_PER_NETWORK": 1,
    "NETWORK_PREFIX_IPV4": 24,  # the network of a client, for limits a script cannot dodge by changing address
    "NETWORK_PREFIX_IPV6": 48,
    # R-BOT2, the four-eyes restart of an enrollment: a request a second supervisor has not decided within this
    # time expires (the identity check in person it rests on grows old).
    "RESTART_REQUEST_LIFETIME": timedelta(hours=48),
    "RESTART_REASON_MIN_LENGTH": 20,  # characters of the reason, spaces squeezed: a sentence, not "ok"
}
