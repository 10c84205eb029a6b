"""The figures of bench/botnet.py."""

import argparse
import statistics
from collections import Counter
from datetime import datetime

from bench.botnet_actors import Outcome

# The steps of bench/botnet_actors.enroll: the page, the proof of work (wall time, CPU shared), the identity step's
# answer, the provisional code's email (through the outbox worker), sign-in, personal code.
STEPS = ("page", "work", "identity", "email", "/connexion/", "/creer-un-compte/code-personnel/")


def _network(source: str) -> str:
    return source.rsplit(".", 1)[0] + ".0/24"


def _median(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} s" if values else "—"


def _server_wait(outcomes: list[Outcome]) -> float | None:
    """The median of the server's steps of a journey: its whole length but the proof of work."""
    waits = [sum(o.times.get(name, 0.0) for name in STEPS if name != "work") for o in outcomes if o.created_at]
    return statistics.median(waits) if waits else None


def _people(label: str, outcomes: list[Outcome]) -> tuple[str, float | None]:
    done = [o for o in outcomes if o.created_at is not None]
    journey = [o.created_at - o.started for o in done if o.created_at is not None]
    rate = f"{100 * len(done) / len(outcomes):.0f} %" if outcomes else "—"
    refused = Counter(o.refused for o in outcomes if o.created_at is None)
    steps = ", ".join(f"{name} {_median([o.times[name] for o in done if name in o.times])}" for name in STEPS)
    line = (
        f"  people {label}: {len(outcomes)} tried, {len(done)} accounts created ({rate}); refused {dict(refused)}; "
        f"journey (identity page → personal code set) median {_median(journey)}, of which proof of work (Python "
        f"hashlib) median {_median([o.work_seconds for o in outcomes])}; median wall time by step: {steps}"
    )
    return line, statistics.median(journey) if journey else None


def report(
    args: argparse.Namespace,
    changes: list[tuple[datetime, bool, str, str]],
    bots: list[Outcome],
    people: list[Outcome],
    bot_started: float,
    bot_ended: float,
    metrics: str,
) -> str:
    engaged = next(((at.timestamp(), source, reason) for at, active, source, reason in changes if active), None)
    cut = engaged[0] if engaged else float("inf")
    created = [o for o in bots if o.created_at is not None]
    before = [o for o in created if o.created_at is not None and o.created_at < cut]
    after = [o for o in created if o.created_at is not None and o.created_at >= cut]
    in_flight = [o for o in after if o.identity_at is not None and o.identity_at < cut]
    passed_after = Counter(_network(o.source) for o in bots if o.identity_at is not None and o.identity_at >= cut)
    lines = [
        f"Botnet: {args.bots} addresses (each its own /24), {args.identities} leaked identities, "
        f"{args.bot_threads} requests in flight, bot mail: {args.bot_mail}; people {args.people_per_minute}/min "
        f"from their own networks; `moncompte serve` + `moncompte worker`, PostgreSQL",
        f"  botnet ran {bot_ended - bot_started:.0f} s: {len(bots)} identity attempts, refusals "
        f"{dict(Counter(o.refused for o in bots if o.refused))}",
    ]
    if engaged:
        lines.append(
            f"  attack mode engaged {engaged[0] - bot_started:.1f} s after the botnet started "
            f"({engaged[1]}): {engaged[2]}"
        )
    else:
        lines.append("  attack mode never engaged")
    lines += [
        f"  accounts created by the botnet BEFORE attack mode: {len(before)} (target ≤ 50: "
        f"{'OK' if len(before) <= 50 else 'MISSED'}); identity steps passed before it: "
        f"{sum(1 for o in bots if o.identity_at is not None and o.identity_at < cut)}",
        f"  accounts created AFTER: {len(after)}, of which {len(in_flight)} whose identity step had passed before "
        f"(in flight) and {len(after) - len(in_flight)} whose identity step passed in attack mode",
        f"  identity steps passed in attack mode: {sum(passed_after.values())} from {len(passed_after)} networks, "
        f"at most {max(passed_after.values(), default=0)} per network in {(bot_ended - cut) / 60:.1f} minutes "
        f"(target ≤ 1 per network per hour: {'OK' if max(passed_after.values(), default=0) <= 1 else 'MISSED'})",
    ]
    work = [(o.work_seconds, o.started >= cut) for o in bots]
    lines.append(
        f"  bot proof of work per attempt (C solver): normal {_median([w for w, a in work if not a])}, "
        f"attack mode {_median([w for w, a in work if a])}"
    )
    warm, warm_median = _people("before the botnet", [o for o in people if o.started < bot_started])
    lines.append(warm)
    between = [o for o in people if bot_started <= o.started < cut]
    lines.append(_people("while the botnet ran, before attack mode", between)[0])
    during, during_median = _people("in attack mode", [o for o in people if o.started >= cut])
    lines.append(during)
    if warm_median is not None and during_median is not None:
        lines.append(f"  people's extra wait in attack mode (median journey): {during_median - warm_median:+.2f} s")
    warm_people = [o for o in people if o.started < bot_started]
    during_people = [o for o in people if o.started >= cut]
    warm_server, during_server = _server_wait(warm_people), _server_wait(during_people)
    if warm_server is not None and during_server is not None:
        lines.append(
            f"  of which the server's steps (all but the proof of work, whose wall time here is the botnet's solvers "
            f"and other jobs sharing the cores): {during_server - warm_server:+.2f} s; proof of work CPU median "
            f"{_median([o.work_seconds for o in warm_people])} → {_median([o.work_seconds for o in during_people])}"
        )
    lines += [f"  /metrics: {line}" for line in metrics.splitlines() if line.startswith("moncompte_attack_mode{")]
    return "\n".join(lines)
