"""R-BOT1's false alarms: how often people alone would switch attack mode on, and what a burst needs first.

People arrive at random (Poisson) at --per-hour identity steps an hour, around the clock, their email domains
and départements drawn as bench/botnet.py draws them (each from their own network: no network ever counts
more than one); 90 % of them create their account at the same moment. Each event's keys are read as the write
path reads them (moncompte.defence: the sliding hour and the sliding ten minutes, `sliding_count`, against
`threshold_of` with the scope's minimum), the baseline being what 7 days of the same traffic would give: the
true mean, and the square root of the mean as its spread (the floor the service applies). Prints the share of
days on which at least one signal tripped, over the hour alone and over both windows, the signals that did,
and how many identity steps over the mean a burst needs on the global key. No database, no server; the
settings are the service's (MONCOMPTE_BOT_* from the environment).

Run: .venv/bin/python -m bench.velocity_false_alarms [--per-hour 240] [--days 100]
"""

import argparse
import math
import random
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from bench.botnet_actors import DEPARTEMENTS, DOMAINS
from bench.server import _django

ACCOUNT_SHARE = 0.9


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-hour", type=float, default=240.0, help="identity steps an hour, day and night")
    parser.add_argument("--days", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args()


def main() -> int:
    args = options()
    _django()
    from moncompte.defence.keys import ACCOUNT, DEPARTEMENT, DOMAIN, GLOBAL, IDENTITY
    from moncompte.defence.velocity import SLOT, WINDOW_HOUR, WINDOWS, minimum_of, sliding_count, threshold_of

    shares = {(GLOBAL, ""): 1.0}
    shares |= {(DOMAIN, name): weight / sum(DOMAINS.values()) for name, weight in DOMAINS.items()}
    shares |= {(DEPARTEMENT, name): 1 / len(DEPARTEMENTS) for name in DEPARTEMENTS}
    parts = {IDENTITY: 1.0, ACCOUNT: ACCOUNT_SHARE}
    thresholds = {
        (signal, scope, key, window.name): threshold_of(
            mean=mean, stdev=math.sqrt(mean), minimum=minimum_of(scope, window)
        )
        for signal, part in parts.items()
        for (scope, key), share in shares.items()
        for window in WINDOWS
        for mean in [args.per_hour * part * share * window.slots * SLOT / timedelta(hours=1)]
    }
    rng, started = random.Random(args.seed), time.process_time()
    domains, weights = list(DOMAINS), list(DOMAINS.values())
    days_tripped = {"hour": 0, "both": 0}
    tripped_by: Counter[str] = Counter()
    for day in range(args.days):
        midnight = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=day)
        buckets: dict[tuple[str, str, str, int], int] = {}
        hit = {"hour": False, "both": False}
        moment = 0.0
        while True:
            moment += rng.expovariate(args.per_hour / 3600)
            if moment >= 86_400:
                break
            now, slot = midnight + timedelta(seconds=moment), int(moment // 600)
            keys = [(GLOBAL, ""), (DOMAIN, rng.choices(domains, weights)[0]), (DEPARTEMENT, rng.choice(DEPARTEMENTS))]
            for signal in [IDENTITY] + ([ACCOUNT] if rng.random() < ACCOUNT_SHARE else []):
                for scope, key in keys:
                    buckets[(signal, scope, key, slot)] = current = buckets.get((signal, scope, key, slot), 0) + 1
                    if slot < 6:  # the first hour has no past: the previous day's end is not simulated
                        continue
                    for window in WINDOWS:
                        past = tuple(
                            buckets.get((signal, scope, key, slot - back), 0) for back in range(window.slots, 0, -1)
                        )
                        if (
                            sliding_count(current=current, past=past, now=now)
                            > thresholds[(signal, scope, key, window.name)]
                        ):
                            if not hit["both"]:
                                tripped_by[f"{signal} {scope} {window.name}"] += 1
                            hit["both"] = True
                            hit["hour"] |= window == WINDOW_HOUR
        for name in days_tripped:
            days_tripped[name] += hit[name]
    mean_hour, mean_ten = args.per_hour, args.per_hour / 6
    need_hour = thresholds[(IDENTITY, GLOBAL, "", "hour")] - mean_hour
    need_ten = thresholds[(IDENTITY, GLOBAL, "", "ten_minutes")] - mean_ten
    print(
        f"{args.per_hour:.0f} identity steps an hour, {args.days} days ({time.process_time() - started:.0f} s CPU)\n"
        f"  days on which people alone tripped attack mode: hour alone {100 * days_tripped['hour'] / args.days:.1f} %, "
        f"hour and ten minutes {100 * days_tripped['both'] / args.days:.1f} %\n"
        f"  first signal to trip, each such day: {dict(tripped_by.most_common())}\n"
        f"  a burst trips the global key after ~{need_hour:.0f} identity steps over the mean in the hour, "
        f"~{need_ten:.0f} in ten minutes"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
