"""deploy/'s production recipe: the systemd units run what `make serve-stack`
runs, and the rendered configurations are accepted by their servers."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from configparser import ConfigParser
from pathlib import Path

import pytest
from django.conf import settings

from deploy.render import APP_UPSTREAM, SOCKET_UPSTREAM
from deploy.stack import find_nginx, gunicorn_command, uvicorn_command
from tools.server import REPO

UNITS = REPO / "deploy" / "systemd"
INSTALLED = "/srv/ordergraph"


def unit(name: str) -> ConfigParser:
    parser = ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((UNITS / name).read_text())
    return parser


def exec_start(name: str) -> list[str]:
    return shlex.split(unit(name)["Service"]["ExecStart"])


def test_the_asgi_unit_runs_uvicorn_as_the_stack_does():
    command = exec_start("ordergraph-asgi.service")
    host, _, port = SOCKET_UPSTREAM.rpartition(":")
    expected = uvicorn_command(
        int(port), message_limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    )

    assert command[0] == f"{INSTALLED}/.venv/bin/uvicorn"
    assert command[1:] == expected[1:]
    assert command[command.index("--host") + 1] == host


def test_the_web_unit_runs_gunicorn_as_make_serve_does_on_the_fronts_upstream():
    service = unit("ordergraph-web.service")["Service"]
    command = shlex.split(service["ExecStart"])
    expected = gunicorn_command()

    assert command[0] == f"{INSTALLED}/.venv/bin/gunicorn"
    assert command[1:] == [
        expected[1],
        str(Path(expected[2]).relative_to(REPO)),
        expected[3],
    ]
    assert f"BIND={APP_UPSTREAM}" in service["Environment"].split()
    assert service["ExecReload"] == (
        f"{INSTALLED}/.venv/bin/python -m deploy.reload $MAINPID"
    )
    assert service["WorkingDirectory"] == INSTALLED


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="no systemd-analyze")
def test_systemd_accepts_every_unit(tmp_path):
    # Installed where this checkout and its venv are, so every binary exists.
    for path in UNITS.iterdir():
        text = path.read_text().replace(f"{INSTALLED}/.venv", str(Path(sys.prefix)))
        (tmp_path / path.name).write_text(text.replace(INSTALLED, str(REPO)))

    check = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *sorted(tmp_path.iterdir())],
        capture_output=True,
        text=True,
        check=False,
    )

    assert check.returncode == 0, check.stderr
    assert check.stderr == ""


def render(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "deploy.render", *args],
        cwd=REPO,
        env={
            **{k: v for k, v in os.environ.items() if k.startswith(("PATH", "HOME"))},
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "SECRET_KEY": "rendered-in-a-test",
            **env,
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_rendered_production_front_is_accepted_by_nginx(tmp_path):
    conf = render(
        "nginx", "--prefix", str(tmp_path), "--user", "", env={"PORT": "8080"}
    )
    (tmp_path / "nginx.conf").write_text(conf)

    check = subprocess.run(
        [find_nginx(), "-t", "-q", "-p", str(tmp_path), "-c", f"{tmp_path}/nginx.conf"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert check.returncode == 0, check.stderr
    assert f"server {APP_UPSTREAM};" in conf
    assert f"server {SOCKET_UPSTREAM};" in conf
    assert "listen 127.0.0.1:8080;" in conf


def test_the_rendered_pgbouncer_pools_transactions_with_the_urls_login(tmp_path):
    url = "postgres://shop:s%40cret@db.internal:5433/ordergraph"

    printed = render(
        "pgbouncer",
        "--folder",
        str(tmp_path),
        "--pool-size",
        "12",
        env={"DATABASE_URL": url},
    )

    ini = (tmp_path / "pgbouncer.ini").read_text()
    assert printed.split() == [
        "DATABASE_URL=postgres://shop:s%40cret@127.0.0.1:6432/ordergraph",
        "DATABASE_TRANSACTION_POOLING=1",
    ]
    for line in (
        "* = host=db.internal port=5433",
        "pool_mode = transaction",
        "default_pool_size = 12",
        "max_db_connections = 12",
        "auth_type = scram-sha-256",
        f"auth_file = {tmp_path}/users.txt",
        "logfile = ",
    ):
        assert line in ini.splitlines()
    assert (tmp_path / "users.txt").read_text() == '"shop" "s@cret"\n'
