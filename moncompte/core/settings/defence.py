"""The settings of attack mode and of the limits per network (R-BOT1)."""

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, kw_only=True)
class DefenceSettings:
    # Each process keeps the mode for this many seconds (it is asked on every CAPTCHA page).
    attack_mode_cache_seconds: int = 5
    # A supervisor's switch holds the automatic one back for this long (their judgement wins meanwhile).
    attack_mode_supervisor_hold: timedelta = timedelta(hours=1)
    # Switched on by itself, it stays on at least this long, then ends once every signal is at or below
    # BOT_RELEASE_PERCENT of its threshold (hysteresis: no flapping around the threshold).
    attack_mode_min_duration: timedelta = timedelta(minutes=30)
    bot_release_percent: int = 50
    # Velocity signals: the sliding hour, and the sliding ten minutes, trip attack mode above
    # max(minimum of its scope, mean x BOT_THRESHOLD_MEAN_PERCENT / 100 + k x stdev + k² / 4), k =
    # BOT_THRESHOLD_STDEVS, of the same window in its baseline: the same time of day (one hour either side) on
    # each of the BOT_BASELINE_DAYS previous days (k² / 4: the skew of small counts, velocity.threshold_of).
    bot_baseline_days: int = 7
    bot_threshold_mean_percent: int = 100
    bot_threshold_stdevs: int = 4
    bot_minimum_global: int = 100  # an hour, whatever the baseline: a new service's first days do not trip it
    bot_minimum_network: int = 10  # a /24 (IPv4) or /48 (IPv6)
    bot_minimum_domain: int = 30  # an email domain
    bot_minimum_departement: int = 30  # the département of the postal code
    # Over ten minutes, this share of the hour's minimum: a fast burst is seen sooner, where the baseline is too
    # small to say anything (a new service, a network, a small domain). bench/botnet.py: 240 people an hour,
    # the global ten minutes trip at 40 + 4 x 6.3 + 4 = 69, above this minimum (50).
    bot_minimum_ten_minutes_percent: int = 50
    # In attack mode, identity steps passed from one network in an hour (beyond: « trop d'essais, patientez »).
    attack_identity_per_network: int = 1
    network_prefix_ipv4: int = 24  # the network of a client, for limits a script cannot dodge by changing address
    network_prefix_ipv6: int = 48

    def bot_minimum_of(self, scope: str) -> int:
        """The hourly minimum of a scope of moncompte/defence/keys.py (SCOPES)."""
        minimums = {
            "global": self.bot_minimum_global,
            "network": self.bot_minimum_network,
            "domain": self.bot_minimum_domain,
            "departement": self.bot_minimum_departement,
        }
        return minimums[scope]

    def _check_defence(self) -> list[str]:
        problems = []
        if not 0 <= self.network_prefix_ipv4 <= 32 or not 0 <= self.network_prefix_ipv6 <= 128:
            problems.append("NETWORK_PREFIX_IPV4 de 0 à 32, NETWORK_PREFIX_IPV6 de 0 à 128")
        if self.bot_baseline_days < 1:
            problems.append("BOT_BASELINE_DAYS : au moins 1")
        return problems
