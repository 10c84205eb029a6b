"""CPU per render of the journey's pages, Django's template engine against Jinja2 (issue 22).

The pages are the ones a person sees on the journey of `bench/journey_bench.py` (identity with its CAPTCHA,
sign-in, personal code, contact details, confirmation link, account page) and some other states of them
(errors, a confirmed link). Their contexts are the real ones: the journey is walked once in this process,
through Django's test client, on a fresh SQLite database under var/bench/templates/, and each render the views
ask for is kept (template, context, request). Each kept render is then repeated N times through each engine,
with the request, so the context processors run as in the views; their own cost (one database query on pages
of a signed-in person) is printed apart. A form's fields (BoundField) are built again for each render, as in a
view that renders its form once.

Jinja2 side: a prototype of two pages, identity (with the CAPTCHA) and sign-in, with their base and includes
(bench/jinja_prototype/, same names with .jinja); the others are timed under Django only. The HTML of both
engines is compared (CSRF token values aside: masked at random on each render). Jinja2 is installed on the first
run into var/bench/jinja2-lib, never into .venv. `--cached-reverse` gives the Jinja2 prototype's `url()` the
same: each URL reversed once per process, as the engine's {% url %} does since 7 December 2026
(moncompte/web/templatetags/addresses.py; reverse() was a fifth to two fifths of a page's Django render).

Figures are CPU time (time.process_time), median of 5 rounds of N/5 renders, in µs per render. Issue 22 takes
Jinja2 for a person-facing page only if it measures clearly faster (≥ 1.5×); on 7 December 2026 it measured
1.33–1.46× (1.39–1.56× with URLs cached in both), so the pages stay on Django, and {% url %} remembers its
addresses instead (figures in bench/README.md).

Run: .venv/bin/python -m bench.templates_bench [--renders 1000] [--cached-reverse]
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import Any, cast

import psycopg

from bench.journey_bench import Journey
from bench.server import ROOT, prepare, server_env

PROTOTYPE = ROOT / "bench" / "jinja_prototype" / "templates"
# Installed on first use into var/bench/jinja2-lib, never into .venv: compared here, not served.
JINJA2_LIB = ROOT / "var" / "bench" / "jinja2-lib"
JINJA2_VERSION = "3.1.6"
CSRF_VALUE = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+"')


class InProcessBrowser:
    """What bench.http_client.Browser does, through Django's test client in this process."""

    def __init__(self) -> None:
        from django.test import Client

        self.client = Client(HTTP_HOST="127.0.0.1")

    def request(self, path: str, data: dict[str, str] | None = None) -> tuple[int, str, float]:
        start = time.perf_counter()
        response = self.client.post(path, data) if data is not None else self.client.get(path)
        return response.status_code, response.content.decode(), time.perf_counter() - start


Render = tuple[str, dict[str, Any], Any]  # template name, context, request


def journey_renders() -> dict[str, Render]:
    """Walk the journey once in this process; every page rendered on the way, by a name saying its state."""
    var_dir = ROOT / "var" / "bench" / "templates"
    shutil.rmtree(var_dir, ignore_errors=True)
    var_dir.mkdir(parents=True)
    env = server_env(f"sqlite:///{var_dir}/bench.sqlite3", var_dir, redis=False, site_url="http://127.0.0.1")
    person = prepare(env, 1, var_dir)[0]
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "moncompte.config.settings")
    import django

    django.setup()
    from django.template import loader

    from moncompte.outbox.models import OutboundEmail

    renders: dict[str, Render] = {}
    label = ["?"]
    original = loader.render_to_string

    def keeping(template_name: str, context: dict[str, Any] | None = None, request: Any = None, using: Any = None):
        context = dict(context or {})
        state = context.get("status", label[0])  # the link's page: one page per state of the link
        renders.setdefault(f"{template_name.rsplit('.', 1)[0]} ({state})", (template_name, context, request))
        return original(template_name, context, request, using)

    def read_mail(to: str, template: str) -> str:
        return OutboundEmail.objects.filter(to_address=to, template=template).latest("id").body_text

    loader.render_to_string = keeping  # type: ignore[assignment]
    try:
        journey = Journey("", cast(psycopg.Connection, None), person, read_mail)
        journey.browser = InProcessBrowser()  # type: ignore[assignment]
        label[0] = "with errors"
        journey.step("identity with errors", "/creer-un-compte/", {"nir": "1"})
        journey.step("sign-in with errors", "/connexion/", {"nir": person.nir, "code": "faux"})
        label[0] = "journey"
        journey.run()
        journey.step("link again", re.findall(r"(/email/[\w-]+/)", read_mail(journey.email, "email_confirmation"))[0])
    finally:
        loader.render_to_string = original
    return renders


def fresh(context: dict[str, Any]) -> dict[str, Any]:
    """The context as the view gives it, for one more render: a form builds its fields (BoundField) at its first
    render and keeps them; a view renders a form once, so each timed render starts without them."""
    from django.forms import BaseForm

    for value in context.values():
        if isinstance(value, BaseForm):
            value._bound_fields_cache.clear()  # type: ignore[attr-defined]
    return dict(context)


def rendering(template: Any, context: dict[str, Any], request: Any) -> Callable[[], object]:
    return lambda: template.render(fresh(context), request)


def cpu_us_per_call(call: Callable[[], object], count: int, rounds: int = 5) -> float:
    per_round = max(1, count // rounds)
    call()
    results = []
    for _ in range(rounds):
        start = time.process_time()
        for _ in range(per_round):
            call()
        results.append((time.process_time() - start) / per_round * 1e6)
    return statistics.median(results)


def jinja_engine() -> Any:
    """Django's Jinja2 backend over the prototype pages, with the context processor the site's pages have."""
    if not (JINJA2_LIB / "jinja2").is_dir():
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--target", str(JINJA2_LIB), f"jinja2=={JINJA2_VERSION}"],
            check=True,
        )
    sys.path.insert(0, str(JINJA2_LIB))
    from django.template.backends.jinja2 import Jinja2

    options = {
        "environment": "bench.jinja_prototype.environment.environment",
        "context_processors": ["moncompte.web.context.site"],
    }
    return Jinja2({"NAME": "jinja2", "DIRS": [PROTOTYPE], "APP_DIRS": False, "OPTIONS": options})


def reverse_cached() -> None:
    """What `--cached-reverse` measures: every URL reversed once per process (by name, arguments and script
    prefix), in both engines. Not what the site does today."""
    from django import urls

    reverse, found = urls.reverse, {}

    def cached(viewname: str, urlconf=None, args=None, kwargs=None, current_app=None, query=None, fragment=None):
        key = (urls.get_script_prefix(), viewname, tuple(args or ()), tuple(sorted((kwargs or {}).items())))
        if key not in found:
            found[key] = reverse(viewname, urlconf, args, kwargs, current_app, query=query, fragment=fragment)
        return found[key]

    urls.reverse = cached  # type: ignore[assignment]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--renders", type=int, default=1000, help="renders per page and engine")
    parser.add_argument(
        "--cached-reverse", action="store_true", help="both engines with URLs reversed once (a what-if)"
    )
    args = parser.parse_args()
    renders = journey_renders()
    if args.cached_reverse:
        reverse_cached()

    from django.template import TemplateDoesNotExist, engines

    from moncompte.web.context import site

    django_engine, jinja = engines["django"], jinja_engine()
    print(f"CPU per render, µs (median of 5 rounds of {args.renders // 5} renders per page and engine)", end="")
    print(", URLs reversed once (--cached-reverse)" if args.cached_reverse else "")
    print(f"  {'page (state)':<40} {'Django':>8} {'Jinja2':>8} {'ratio':>6}  same HTML   site() alone")
    total_django = total_jinja = all_django = 0.0
    for label, (name, context, request) in sorted(renders.items()):
        stem = name.rsplit(".", 1)[0]
        as_django = django_engine.get_template(f"{stem}.html")
        django_us = cpu_us_per_call(rendering(as_django, context, request), args.renders)
        processors_us = cpu_us_per_call(partial(site, request), args.renders)
        all_django += django_us
        try:
            as_jinja = jinja.get_template(f"{stem}.jinja")
        except TemplateDoesNotExist:
            print(f"  {label:<40} {django_us:8.0f} {'—':>8} {'':>6}  {'':9}   {processors_us:5.0f}")
            continue
        jinja_us = cpu_us_per_call(rendering(as_jinja, context, request), args.renders)
        same = CSRF_VALUE.sub(r"\1…", as_django.render(dict(context), request)) == CSRF_VALUE.sub(
            r"\1…", as_jinja.render(dict(context), request)
        )
        total_django, total_jinja = total_django + django_us, total_jinja + jinja_us
        print(
            f"  {label:<40} {django_us:8.0f} {jinja_us:8.0f} {django_us / jinja_us:5.2f}×  "
            f"{'yes' if same else 'NO':9}   {processors_us:5.0f}"
        )
    print(f"  all pages above under Django: {all_django:.0f} µs")
    if total_jinja:
        ratio = total_django / total_jinja
        print(f"  pages in both: Django {total_django:.0f} µs, Jinja2 {total_jinja:.0f} µs, {ratio:.2f}×")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
