"""Issue 23: the commands deploy/README.md gives the operator to copy work as written (their paths moved under
the test's folder)."""

import re
import stat
import subprocess

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
