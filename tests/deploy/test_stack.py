"""The launcher (deploy/stack.py, `make serve-stack`): its nginx configuration
and its lifecycle."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from deploy.stack import (
    PLACEHOLDER,
    FrontOptions,
    StackError,
    find_nginx,
    max_body_size,
    options_from_env,
    render_nginx_conf,
)
from tools.graphql_http import GraphQLHttpClient
from tools.server import REPO, children_of, free_port


def render(tmp_path: Path, options: FrontOptions | None = None) -> str:
    return render_nginx_conf(
        options or FrontOptions(),
        prefix=tmp_path,
        upstream="127.0.0.1:9",
        socket_upstream="127.0.0.1:10",
        body_limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
        user=None,
    )


def test_the_production_defaults_bound_slow_clients_and_match_the_body_cap(tmp_path):
    conf = render(tmp_path)

    assert not PLACEHOLDER.search(conf)
    for directive in (
        "client_header_timeout 10000ms;",
        "client_body_timeout 10000ms;",
        "send_timeout 10000ms;",
        "keepalive_timeout 15000ms;",
        "proxy_request_buffering on;",
        "limit_conn per_client 32;",
        "listen 127.0.0.1:8000;",
        f"client_max_body_size {settings.DATA_UPLOAD_MAX_MEMORY_SIZE};",
    ):
        assert directive in conf


def test_websocket_upgrades_of_graphql_go_to_the_asgi_upstream_with_a_long_timeout(
    tmp_path,
):
    conf = render(tmp_path)

    for directive in (
        "server 127.0.0.1:10;",
        "rewrite ^/graphql/$ /_front/graphql-socket last;",
        "proxy_pass http://ordergraph_asgi;",
        "proxy_set_header Upgrade $http_upgrade;",
        'proxy_set_header Connection "upgrade";',
        "proxy_read_timeout 3600000ms;",
        "limit_conn per_client_sockets 64;",
    ):
        assert directive in conf


def test_nginx_accepts_the_rendered_configuration(tmp_path):
    (tmp_path / "nginx.conf").write_text(render(tmp_path))

    check = subprocess.run(
        [
            find_nginx(),
            "-t",
            "-q",
            "-p",
            str(tmp_path),
            "-c",
            str(tmp_path / "nginx.conf"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )

    assert check.returncode == 0, check.stderr


def test_options_come_from_the_environment():
    options = options_from_env(
        {
            "PORT": "9000",
            "FRONT_HOST": "0.0.0.0",
            "FRONT_CLIENT_BODY_TIMEOUT": "2.5",
            "FRONT_MAX_CONNECTIONS_PER_CLIENT": "64",
            "FRONT_SOCKET_TIMEOUT": "600",
            "FRONT_MAX_SOCKETS_PER_CLIENT": "8",
            "ACCESS_LOG": "1",
        }
    )

    assert options == FrontOptions(
        host="0.0.0.0",
        port=9000,
        client_body_timeout=2.5,
        max_connections_per_client=64,
        socket_timeout=600.0,
        max_sockets_per_client=8,
        access_log=True,
    )


def test_the_body_cap_is_the_one_the_servers_settings_give():
    env = {"SECRET_KEY": "x", "DATA_UPLOAD_MAX_MEMORY_SIZE": "1000"}

    assert max_body_size({**os.environ, **env}) == 1000


def test_a_missing_secret_key_stops_the_launcher_before_anything_starts():
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"

    with pytest.raises(StackError, match="SECRET_KEY must be set"):
        max_body_size(env)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_the_launcher_serves_then_stops_all_three_servers_on_a_signal(site_env, signum):
    port = free_port()
    launcher = subprocess.Popen(
        [sys.executable, "-m", "deploy.stack"],
        cwd=REPO,
        env={**site_env, "PORT": str(port), "WEB_CONCURRENCY": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                reply = GraphQLHttpClient(port, timeout=5).get_typename()
                break
            except OSError:
                assert time.monotonic() < deadline, "the stack never answered"
                assert launcher.poll() is None, launcher.stderr.read()  # type: ignore[union-attr]
                time.sleep(0.2)
        servers = children_of(launcher.pid)

        os.killpg(launcher.pid, signum)  # what Ctrl-C or a supervisor sends
        status = launcher.wait(timeout=40)
    finally:
        if launcher.poll() is None:
            launcher.kill()
            launcher.wait()

    assert (reply.status, reply.data) == (200, {"__typename": "Query"})
    # nginx's master, gunicorn's arbiter and uvicorn
    assert len(servers) == 3
    assert status == 0
    assert [pid for pid in servers if Path(f"/proc/{pid}").exists()] == []
