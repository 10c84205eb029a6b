"""Issue 23: the commands deploy/README.md gives the operator to copy work as written (their paths moved under
the test's folder)."""

import os
import re
import stat
import subprocess

import pytest

from tests.deploy.helpers import DEPLOY, commands_under

NGINX_SITE = DEPLOY / "nginx" / "moncompte.conf"


def test_the_trial_certificate_commands_make_what_nginx_is_told_to_read(tmp_path):
    commands = commands_under("### Certificat TLS")
    site = NGINX_SITE.read_text()
    for path in re.findall(r"ssl_certificate(?:_key)?\s+(\S+);", site):
        assert path in commands  # the files the configuration names are the ones made
    conf_d = tmp_path / "nginx"
    conf_d.mkdir()
    (conf_d / "moncompte.conf").write_text(site)
    moved = commands.replace("/etc/ssl/moncompte", str(tmp_path / "ssl")).replace("/etc/nginx/conf.d", str(conf_d))
    done = subprocess.run(["/bin/sh", "-ec", moved], capture_output=True, text=True, check=False, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    key = tmp_path / "ssl" / "privkey.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600  # the private key is root's alone
    name = re.search(r"^NOM=(\S+)", commands, re.MULTILINE)
    assert name
    names = subprocess.run(
        ["openssl", "x509", "-noout", "-ext", "subjectAltName", "-in", str(tmp_path / "ssl" / "fullchain.pem")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f"DNS:{name[1]}" in names  # browsers read the name here, not in the CN
    assert f"server_name {name[1]};" in (conf_d / "moncompte.conf").read_text()
    assert "compte.example.fr" not in (conf_d / "moncompte.conf").read_text()


def test_the_static_files_commands_let_another_user_traverse_the_var_folder_and_read_the_files(tmp_path):
    """nginx (www-data) reads what collectstatic wrote under the service's home, which may be 0700 (issue 23)."""
    commands = commands_under("### Fichiers statiques lisibles par nginx")
    var = tmp_path / "moncompte"
    css = var / "static" / "web" / "site.css"
    css.parent.mkdir(parents=True)
    css.write_text("body {}")
    (var / "metrics").mkdir()
    var.chmod(0o700)
    css.chmod(0o600)  # as a strict umask would leave them
    css.parent.chmod(0o700)
    (var / "metrics").chmod(0o700)
    run_here = "\n".join(line for line in commands.splitlines() if not line.startswith("sudo "))  # www-data's check
    moved = run_here.replace("/var/lib/moncompte", str(var))
    done = subprocess.run(["/bin/sh", "-ec", moved], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(var.stat().st_mode) == 0o711  # traversed, never listed
    assert stat.S_IMODE(css.parent.stat().st_mode) & 0o005 == 0o005  # others read and traverse the folders
    assert stat.S_IMODE(css.stat().st_mode) & 0o004  # and read the files
    assert stat.S_IMODE((var / "metrics").stat().st_mode) == 0o700  # nothing else opened
    assert "sudo -u www-data test -r /var/lib/moncompte/static/web/site.css" in commands


@pytest.mark.postgresql
@pytest.mark.django_db
def test_the_nightly_dump_is_readable_by_its_owner_only(tmp_path):
    from django.db import connection

    config = connection.settings_dict
    url = f"postgres://{config['USER']}@{config['HOST'] or '127.0.0.1'}:{config['PORT'] or 5432}/{config['NAME']}"
    dump = [line for line in commands_under("## Sauvegarder et restaurer").splitlines() if "pg_dump" in line]
    assert len(dump) == 1
    moved = "umask 022\n" + dump[0].replace("/sauvegardes", str(tmp_path))  # a shell's usual umask first
    done = subprocess.run(
        ["/bin/bash", "-ec", moved], env={**os.environ, "DATABASE_URL": url}, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    (written,) = tmp_path.glob("moncompte-*.dump")
    assert stat.S_IMODE(written.stat().st_mode) == 0o600  # personal data: nobody else on the machine reads it
