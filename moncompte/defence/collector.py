"""R-BOT1: attack mode as Prometheus sees it, read from the database at each scrape, so that every process
reports the same truth (the switches themselves are counted in defence/metrics.py)."""

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from moncompte.core import clock
from moncompte.defence.keys import SCOPES, SIGNALS
from moncompte.defence.mode import attack_mode_state
from moncompte.defence.selectors import signal_ratios


class AttackModeCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        now, state = clock.now(), attack_mode_state()
        active = GaugeMetricFamily("moncompte_attack_mode", "Mode attaque actif (1) ou non (0)", labels=["source"])
        active.add_metric([state.source or "none"], 1.0 if state.active else 0.0)
        yield active
        since = (now - state.since).total_seconds() if state.since else 0.0
        yield GaugeMetricFamily(
            "moncompte_attack_mode_since_seconds", "Secondes depuis le dernier changement du mode attaque", value=since
        )
        ratios = signal_ratios(now=now)
        gauge = GaugeMetricFamily(
            "moncompte_velocity_ratio",
            "Heure ou dix minutes glissantes rapportées à leur seuil, la plus haute de la portée (1 ou plus : attaque)",
            labels=["signal", "scope"],
        )
        for signal in SIGNALS:
            for scope in SCOPES:
                gauge.add_metric([signal, scope], round(ratios.get((signal, scope), 0.0), 3))
        yield gauge
