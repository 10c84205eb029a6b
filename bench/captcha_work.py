"""R-CAP6: what the proof of work costs a script, and what it costs a person.

Starts `moncompte serve` (SQLite in a temporary directory, production settings), reads real work challenges
from the identity page, normal then in attack mode (switched on in the database as a supervisor would):
- the script: a C solver compiled now with the system's gcc (a self-contained SHA-256 that hashes the salt's
  first blocks once, as any serious solver would; Python's hashlib if no compiler is found, said so), on one
  core: the CPU it spends per accepted answer, a perfect CAPTCHA reader needing one proof per answer;
- the person: headless Chromium (Debian /usr/bin/chromium, through Playwright) on the same page, its own script
  (work.js in Web Workers): the time from the page being ready to the proof being in the form.
Prints both, their ratio, and a phone estimate (a phone taken as ~5 times slower than this machine).

Run: .venv/bin/python -m bench.captcha_work [--pages 40] [--browser-pages 20]
"""

import argparse
import base64
import hashlib
import html
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from moncompte.core.conf import conf

MONCOMPTE = str(Path(sys.executable).with_name("moncompte"))
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PHONE_SLOWER = 5
SECRET_KEY = "bench-only-secret-key-" + "w" * 30

C_SOURCE = r"""
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
static const uint32_t K[64] = {
 0x428a2f98,0x71374491,0xb5c0fbcf,0xe9b5dba5,0x3956c25b,0x59f111f1,0x923f82a4,0xab1c5ed5,0xd807aa98,0x12835b01,
 0x243185be,0x550c7dc3,0x72be5d74,0x80deb1fe,0x9bdc06a7,0xc19bf174,0xe49b69c1,0xefbe4786,0x0fc19dc6,0x240ca1cc,
 0x2de92c6f,0x4a7484aa,0x5cb0a9dc,0x76f988da,0x983e5152,0xa831c66d,0xb00327c8,0xbf597fc7,0xc6e00bf3,0xd5a79147,
 0x06ca6351,0x14292967,0x27b70a85,0x2e1b2138,0x4d2c6dfc,0x53380d13,0x650a7354,0x766a0abb,0x81c2c92e,0x92722c85,
 0xa2bfe8a1,0xa81a664b,0xc24b8b70,0xc76c51a3,0xd192e819,0xd6990624,0xf40e3585,0x106aa070,0x19a4c116,0x1e376c08,
 0x2748774c,0x34b0bcb5,0x391c0cb3,0x4ed8aa4a,0x5b9cca4f,0x682e6ff3,0x748f82ee,0x78a5636f,0x84c87814,0x8cc70208,
 0x90befffa,0xa4506ceb,0xbef9a3f7,0xc67178f2};
#define R(x,n) (((x)>>(n))|((x)<<(32-(n))))
static void compress(uint32_t h[8], const unsigned char *p) {
  uint32_t w[64], a,b,c,d,e,f,g,k, t1, t2; int i;
  for (i = 0; i < 16; i++) w[i] = (uint32_t)p[4*i]<<24 | (uint32_t)p[4*i+1]<<16 | (uint32_t)p[4*i+2]<<8 | p[4*i+3];
  for (i = 16; i < 64; i++)
    w[i] = w[i-16] + (R(w[i-15],7)^R(w[i-15],18)^(w[i-15]>>3)) + w[i-7] + (R(w[i-2],17)^R(w[i-2],19)^(w[i-2]>>10));
  a=h[0]; b=h[1]; c=h[2]; d=h[3]; e=h[4]; f=h[5]; g=h[6]; k=h[7];
  for (i = 0; i < 64; i++) {
    t1 = k + (R(e,6)^R(e,11)^R(e,25)) + ((e&f)^(~e&g)) + K[i] + w[i];
    t2 = (R(a,2)^R(a,13)^R(a,22)) + ((a&b)^(a&c)^(b&c));
    k=g; g=f; f=e; e=d+t1; d=c; c=b; b=a; a=t1+t2;
  }
  h[0]+=a; h[1]+=b; h[2]+=c; h[3]+=d; h[4]+=e; h[5]+=f; h[6]+=g; h[7]+=k;
}
int main(void) {  /* each line: salt target-hex max; prints: number cpu-seconds */
  char salt[512], hex[65]; long max;
  while (scanf("%511s %64s %ld", salt, hex, &max) == 3) {
    uint32_t target[8],
      mid[8] = {0x6a09e667,0xbb67ae85,0x3c6ef372,0xa54ff53a,0x510e527f,0x9b05688c,0x1f83d9ab,0x5be0cd19};
    for (int i = 0; i < 8; i++) sscanf(hex + 8*i, "%8x", &target[i]);
    size_t len = strlen(salt), whole = len - len % 64, rest = len - whole; long found = -1;
    for (size_t o = 0; o < whole; o += 64) compress(mid, (const unsigned char *)salt + o);
    struct timespec t0, t1; clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
    unsigned char tail[128]; char digits[24] = "0"; int count = 1;
    memcpy(tail, salt + whole, rest);
    for (long n = 0; n <= max && found < 0; n++) {
      size_t at = rest + count, blocks = at + 9 > 64 ? 2 : 1; uint64_t bits = (uint64_t)(len + count) * 8;
      memcpy(tail + rest, digits, count);
      tail[at] = 0x80; memset(tail + at + 1, 0, blocks * 64 - at - 1);
      for (int i = 0; i < 8; i++) tail[blocks * 64 - 1 - i] = (unsigned char)(bits >> (8 * i));
      uint32_t h[8]; memcpy(h, mid, sizeof h); compress(h, tail); if (blocks == 2) compress(h, tail + 64);
      if (memcmp(h, target, sizeof h) == 0) found = n;
      int i = count - 1;  /* the next number, in decimal, in place */
      while (i >= 0 && digits[i] == '9') digits[i--] = '0';
      if (i < 0) { memmove(digits + 1, digits, count++); digits[0] = '1'; } else digits[i]++;
    }
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
    printf("%ld %.9f\n", found, (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9); fflush(stdout);
  }
  return 0;
}
"""


@dataclass(frozen=True)
class Solved:
    number: int  # the number found: about number + 1 hashes were tried
    seconds: float
    cpu_seconds: float = 0.0  # the browser's: every process Playwright started, threads included


def descendants_cpu_seconds() -> float:
    """User + system CPU of every process descended from this one (Chromium's browser, renderers, GPU…), from
    /proc: unlike wall time, not stretched when other work shares the machine."""
    ticks, parents, cpu = os.sysconf("SC_CLK_TCK"), {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        pid = int(stat.parent.name)
        parents[pid], cpu[pid] = int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks
    mine, total = {os.getpid()}, 0.0
    changed = True
    while changed:
        changed = False
        for pid, parent in parents.items():
            if parent in mine and pid not in mine:
                mine.add(pid)
                changed = True
    for pid in mine - {os.getpid()}:
        total += cpu.get(pid, 0.0)
    return total


def c_solver(directory: Path) -> Path | None:
    compiler = shutil.which("gcc") or shutil.which("cc")
    if compiler is None:
        return None
    source, binary = directory / "solver.c", directory / "solver"
    source.write_text(C_SOURCE)
    built = subprocess.run([compiler, "-O3", "-march=native", "-o", str(binary), str(source)], capture_output=True)
    return binary if built.returncode == 0 else None


def solve_in_c(solver: Path, works: list[dict[str, Any]]) -> list[Solved]:
    lines = "".join(f"{w['salt']} {w['challenge']} {w['maxNumber']}\n" for w in works)
    out = subprocess.run([str(solver)], input=lines, capture_output=True, text=True, check=True).stdout
    return [Solved(int(n), float(s)) for n, s in (line.split() for line in out.splitlines())]


def solve_in_python(works: list[dict[str, Any]]) -> list[Solved]:
    """Without a compiler: hashlib, the salt hashed once and copied for each number (still C underneath)."""
    solved = []
    for work in works:
        start, prefix = time.process_time(), hashlib.sha256(work["salt"].encode())
        for n in range(work["maxNumber"] + 1):
            digest = prefix.copy()
            digest.update(str(n).encode())
            if digest.hexdigest() == work["challenge"]:
                break
        solved.append(Solved(n, time.process_time() - start))
    return solved


def rate(solved: list[Solved]) -> float:
    """Numbers tried per second, from the numbers found (uniform, so this is steadier than timing means)."""
    return sum(s.number + 1 for s in solved) / sum(s.seconds for s in solved)


def openssl_blocks_per_second() -> float | None:
    """SHA-256 compressions per second of OpenSSL on this CPU (with its SHA extensions when it has them): what a
    solver built on it could reach, one block per number as ours. None without the `openssl` command."""
    if shutil.which("openssl") is None:
        return None
    speed = subprocess.run(
        ["openssl", "speed", "-seconds", "2", "-bytes", "64", "sha256"], capture_output=True, text=True, check=False
    )
    found = re.search(r"^sha256\s+([\d.]+)k", speed.stdout, re.M)
    # 64-byte messages: two blocks each (the message, then its padding).
    return float(found[1]) * 1000 / 64 * 2 if found else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(var_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": f"sqlite:///{var_dir / 'bench.sqlite3'}",
        "MONCOMPTE_VAR_DIR": str(var_dir),
        "MONCOMPTE_INSECURE_COOKIES": "1",
        "REDIS_URL": "",
        # Every page of the benchmark comes from 127.0.0.1: limits raised, as for one big router.
        "MONCOMPTE_CAPTCHA_NEW_PER_CLIENT": "1000000",
        "MONCOMPTE_CAPTCHA_NEW_PER_NETWORK": "1000000",
        "MONCOMPTE_CAPTCHA_MEDIA_PER_CLIENT": "1000000",
        "MONCOMPTE_CAPTCHA_MEDIA_PER_NETWORK": "1000000",
    }


def page_work(base: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{base}/creer-un-compte/", timeout=30) as response:
        page = response.read().decode()
    found = re.search(r'data-work-challenge="([^"]+)"', page)
    assert found, "pas de défi de preuve de travail dans la page"
    work: dict[str, Any] = json.loads(html.unescape(found[1]))
    return work


# Before the page's scripts: note when the page's script writes the proof into the form.
WATCH = """
const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value");
Object.defineProperty(HTMLInputElement.prototype, "value", {
  get() { return setter.get.call(this); },
  set(v) { setter.set.call(this, v); if (this.name === "captcha_work" && v) window.benchProofAt = performance.now(); },
});
"""
SPENT = "window.benchProofAt - performance.getEntriesByType('navigation')[0].domContentLoadedEventStart"


# In the page: the page's own work.js, one worker, over `max` numbers (the answer is the last one).
CALIBRATE = """async ({ salt, challenge, max }) => {
  const script = document.querySelector("[data-work-script]").dataset.workScript;
  const worker = new Worker(script);
  const found = await new Promise((resolve) => {
    worker.onmessage = (event) => resolve(event.data.number);
    worker.postMessage({ salt, challenge, start: 0, step: 1, max });
  });
  worker.terminate();
  return found;
}"""


def in_chromium(base: str, pages: int) -> tuple[list[Solved], int, float]:
    """(proofs, maxNumber, numbers hashed per CPU second) as headless Chromium computes them with the page's
    own script: the pages' proofs timed from the page ready (wall), then one long run of work.js on one
    worker timed by the CPU of every browser process (what the hashing itself costs, whatever else runs)."""
    from playwright.sync_api import expect, sync_playwright

    solved, difficulty = [], 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for _ in range(pages + 1):  # the first page warms the browser up and is not counted
            context = browser.new_context(locale="fr-FR")
            page = context.new_page()
            page.add_init_script(WATCH)
            page.goto(f"{base}/creer-un-compte/")
            field = page.locator("input[name=captcha_work]")
            expect(field).not_to_have_value("", timeout=120_000)
            proof = json.loads(base64.b64decode(field.input_value()))
            work = json.loads(field.get_attribute("data-work-challenge") or "{}")
            difficulty = work["maxNumber"]
            solved.append(Solved(proof["number"], page.evaluate(SPENT) / 1000))
            if len(solved) <= pages:
                context.close()
        numbers = 4_000_000
        target = hashlib.sha256(f"{work['salt']}{numbers}".encode()).hexdigest()
        cpu_before = descendants_cpu_seconds()
        assert page.evaluate(CALIBRATE, {"salt": work["salt"], "challenge": target, "max": numbers}) == numbers
        cpu_rate = (numbers + 1) / (descendants_cpu_seconds() - cpu_before)
        browser.close()
    return solved[1:], difficulty, cpu_rate


def attack_mode(var_dir: Path, *, active: bool) -> int:
    """Switches attack mode in the server's database as a supervisor would; returns how long the server's
    processes may keep their copy of the mode (seconds)."""
    os.environ.update(server_env(var_dir))  # this process reads and writes the server's database
    os.environ["DJANGO_SETTINGS_MODULE"] = "moncompte.config.settings"
    import django

    django.setup()

    from moncompte.core import clock
    from moncompte.defence.mode import SUPERVISOR, attack_mode_switch

    attack_mode_switch(active=active, now=clock.now(), source=SUPERVISOR, reason="banc d'essai de la preuve de travail")
    return int(conf().attack_mode_cache_seconds)


def measured(base: str, solver: Path | None, *, pages: int, browser_pages: int) -> dict[str, Any]:
    works = [page_work(base) for _ in range(pages)]
    script = solve_in_c(solver, works) if solver else solve_in_python(works)
    person, difficulty, person_cpu_rate = in_chromium(base, browser_pages)
    assert {w["maxNumber"] for w in works} == {difficulty}, "la difficulté a changé pendant la mesure"
    expected = (difficulty + 1) / 2  # numbers tried on average: the answer is uniform in [0, difficulty]
    return {
        "difficulty": difficulty,
        "script_s": expected / rate(script),
        "script_rate": rate(script),
        "person_s": expected / rate(person),
        "person_worst_s": max(s.seconds for s in person),
        "person_cpu_s": expected / person_cpu_rate,
        "person_cpu_rate": person_cpu_rate,
    }


def report(name: str, m: dict[str, Any]) -> None:
    idle = m["person_cpu_s"] / 2  # the page shares the numbers between two workers (more on a 4-core phone)
    print(
        f"{name:<12} {m['difficulty']:>10,}  {m['script_s'] * 1000:>8.1f} ms  {m['person_cpu_s'] * 1000:>8.1f} ms"
        f"  {m['person_cpu_s'] / m['script_s']:>5.1f} x  {m['person_s'] * 1000:>8.1f} ms"
        f"  {idle * PHONE_SLOWER:>5.2f} s / {m['person_s'] * PHONE_SLOWER:>5.2f} s"
    )
    print(
        f"{'':<12} {'':>10}  hashes per CPU second: C {m['script_rate'] / 1e6:.2f} M, Chromium"
        f" {m['person_cpu_rate'] / 1e6:.2f} M; slowest page {m['person_worst_s'] * 1000:.0f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=40, help="work challenges solved by the script, per mode")
    parser.add_argument("--browser-pages", type=int, default=20, help="pages solved by Chromium, per mode")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="captcha-work-") as temporary:
        var_dir = Path(temporary)
        solver = c_solver(var_dir)
        env = server_env(var_dir)
        subprocess.run([MONCOMPTE, "migrate", "-v0"], env=env, check=True)
        port = free_port()
        log = (var_dir / "server.log").open("w")
        server = subprocess.Popen(
            [MONCOMPTE, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"], env=env, stdout=log, stderr=log
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(150):
                try:
                    page_work(base)
                    break
                except OSError:
                    time.sleep(0.2)
            normal = measured(base, solver, pages=args.pages, browser_pages=args.browser_pages)
            time.sleep(attack_mode(var_dir, active=True) + 1)
            attack = measured(base, solver, pages=max(10, args.pages // 4), browser_pages=args.browser_pages)
        finally:
            server.terminate()
            server.wait(timeout=30)
    print_figures(normal, attack, solver, (load_before, os.getloadavg()[0]))
    return 0


def print_figures(
    normal: dict[str, Any], attack: dict[str, Any], solver: Path | None, loads: tuple[float, float]
) -> None:
    cores = os.cpu_count()
    how = (
        "C (gcc -O3 -march=native, self-contained SHA-256, salt's first blocks hashed once)"
        if solver
        else ("Python hashlib (NO C COMPILER FOUND: a C solver would be several times faster)")
    )
    print(f"\nProof of work (R-CAP6) on this machine ({cores} cores). Script: {how}, one core.")
    print("Person: headless Chromium, the page's own script (Web Workers), from the page ready to the proof.")
    print("Expected values per accepted answer (a perfect CAPTCHA reader: one proof per answer).")
    print(f"Load average before / after: {loads[0]:.1f} / {loads[1]:.1f} (the browser's times are wall times).\n")
    print("Columns: the difficulty; the CPU one answer costs the script (C) and Chromium (the page's work.js, one")
    print("core), their ratio; Chromium's wait on the page as measured here (wall time, loading of the worker")
    print("included); a phone ~5x slower: idle, the CPU shared by the page's two workers / the wait measured here.\n")
    print(
        f"{'':<12} {'difficulty':>10}  {'script CPU':>11}  {'Chromium CPU':>11}  {'ratio':>7}  {'page wait':>11}"
        f"  {'phone idle / here':>17}"
    )
    report("normal", normal)
    report("attack mode", attack)
    fast = openssl_blocks_per_second()
    if fast:
        per_answer = (normal["difficulty"] + 1) / 2 / fast, (attack["difficulty"] + 1) / 2 / fast
        print(
            f"\nOpenSSL's SHA-256 on this CPU: {fast / 1e6:.1f} M blocks/s; a solver built on it would spend"
            f" {per_answer[0] * 1000:.1f} ms (normal) and {per_answer[1] * 1000:.1f} ms (attack mode) per answer."
        )
    print(
        "\nA script that fails pays more: each of its wrong answers doubles its difficulty (up to CAPTCHA_WORK_MAX),"
        "\nits neighbours' add to it; the figures above are the floor, for a script that never fails."
    )


if __name__ == "__main__":
    raise SystemExit(main())
