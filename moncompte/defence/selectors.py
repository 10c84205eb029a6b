"""R-BOT1: what the desk and /metrics read of attack mode: its state, its recent changes, the signals."""

from dataclasses import dataclass
from datetime import datetime

from moncompte.defence.mode import AttackModeState, attack_mode_state
from moncompte.defence.models import AttackModeChange
from moncompte.defence.velocity import Reading
from moncompte.defence.watch import readings_near_threshold


@dataclass(frozen=True)
class AttackModeOverview:
    state: AttackModeState
    changes: list[AttackModeChange]  # the latest first
    readings: list[Reading]  # the signals nearest their threshold first


def attack_mode_overview(*, now: datetime, changes: int = 20, readings: int = 20) -> AttackModeOverview:
    near = sorted(readings_near_threshold(now=now), key=lambda reading: -reading.count / reading.baseline.threshold)
    return AttackModeOverview(
        state=attack_mode_state(),
        changes=list(AttackModeChange.objects.order_by("-at", "-id")[:changes]),
        readings=near[:readings],
    )


def signal_ratios(*, now: datetime) -> dict[tuple[str, str], float]:
    """{(signal, scope): the highest sliding window (hour or ten minutes) / threshold of its keys: 1 or more
    trips attack mode. Keys are not given to Prometheus (networks are personal data, and there are many)."""
    ratios: dict[tuple[str, str], float] = {}
    for reading in readings_near_threshold(now=now):
        name = (reading.signal, reading.scope)
        ratios[name] = max(ratios.get(name, 0.0), reading.count / reading.baseline.threshold)
    return ratios
