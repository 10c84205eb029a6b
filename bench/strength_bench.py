"""The "Niveau indicatif de sécurité" on the server (R-PW7): CPU per estimate, target median ≤ 5 ms at 50 characters.

Run: .venv/bin/python -m bench.strength_bench [ROUNDS]
"""

import secrets
import statistics
import string
import sys
import time

from moncompte.accounts.strength import estimate

SPECIALS = "?!$€£@&(-+_)=*%/<>,.;"
SAMPLES = {
    "random, 50 characters": lambda: "".join(
        secrets.choice(string.ascii_letters + string.digits + SPECIALS) for _ in range(50)
    ),
    "words, 50 characters": lambda: ("MotdePasse1" * 5)[:50],
    "repeats, 50 characters": lambda: "a" * 50,
    "typical, 12 characters": lambda: "Soleil2024!x",
}


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    estimate("warm-up: loads the word lists")
    print(f"Strength estimate on the server, {rounds} rounds each, CPU time per estimate")
    ok = True
    for name, make in SAMPLES.items():
        timings = []
        for _ in range(rounds):
            password = make()
            start = time.process_time()
            estimate(password, user_inputs=["Camille", "DURAND"])
            timings.append((time.process_time() - start) * 1000)
        timings.sort()
        median = statistics.median(timings)
        if "50" in name:
            ok = ok and median <= 5
        print(f"  {name:<24} median {median:5.2f} ms   p99 {timings[int(len(timings) * 0.99) - 1]:5.2f} ms")
    print(f"  target median ≤ 5 ms at 50 characters: {'OK' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
