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
from tools.postgres import POSTGRES_SCHEMES
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


def test_the_front_never_sends_a_post_to_the_workers_twice(tmp_path):
    conf = render(tmp_path)

    retries = [
        line.strip()
        for line in conf.splitlines()
        if line.strip().startswith("proxy_next_upstream")
    ]
    assert retries == ["proxy_next_upstream error timeout;"]


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


def _wait_for_answer(launcher: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            reply = GraphQLHttpClient(port, timeout=5).get_typename()
        except OSError:
            reply = None
        if reply is not None and reply.status == 200:
            return
        assert time.monotonic() < deadline, "the stack never answered"
        assert launcher.poll() is None, launcher.stderr.read()  # type: ignore[union-attr]
        time.sleep(0.2)


def _named(pids: list[int]) -> dict[str, int]:
    names = {}
    for pid in pids:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        words = b" ".join(command).decode()
        for name in ("nginx", "gunicorn", "uvicorn", "pgbouncer", "redis-server"):
            if name in words:
                names[name] = pid
    return names


def test_the_launcher_runs_pgbouncer_and_redis_when_asked_and_restarts_on_sighup(
    site_env,
):
    if not site_env["DATABASE_URL"].startswith(POSTGRES_SCHEMES):
        pytest.skip("PgBouncer needs PostgreSQL: runs in `make test-postgres`")
    port = free_port()
    env = {
        **site_env,
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "STACK_PGBOUNCER": "1",
        "STACK_REDIS": "1",
    }
    launcher = subprocess.Popen(
        [sys.executable, "-m", "deploy.stack"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        _wait_for_answer(launcher, port)
        before = _named(children_of(launcher.pid))
        workers = children_of(before["gunicorn"])
        signed_up = GraphQLHttpClient(port).run(
            "Register",
            input={
                "username": "pooled",
                "email": "pooled@example.com",
                "password": "a-long-and-unusual-passphrase",
            },
        )

        os.kill(launcher.pid, signal.SIGHUP)  # a rolling restart
        deadline = time.monotonic() + 60
        while (after := _named(children_of(launcher.pid))).get("uvicorn") in (
            None,
            before["uvicorn"],
        ) or set(children_of(before["gunicorn"])) & set(workers):
            assert time.monotonic() < deadline, "no rolling restart"
            assert launcher.poll() is None, launcher.stderr.read()  # type: ignore[union-attr]
            time.sleep(0.2)
        _wait_for_answer(launcher, port)
        me = GraphQLHttpClient(port)
        me.login("pooled", "a-long-and-unusual-passphrase")
        all_pids = children_of(launcher.pid)
        os.killpg(launcher.pid, signal.SIGTERM)
        status = launcher.wait(timeout=40)
    finally:
        if launcher.poll() is None:
            launcher.kill()
            launcher.wait()

    assert signed_up.data["register"]["__typename"] == "User", signed_up.json
    # every process behind the front, PgBouncer and Redis included
    assert set(before) == {"nginx", "gunicorn", "uvicorn", "pgbouncer", "redis-server"}
    # SIGHUP: the same nginx, arbiter, PgBouncer and Redis; new workers, a
    # new uvicorn
    assert {name: after[name] == pid for name, pid in before.items()} == {
        "nginx": True,
        "gunicorn": True,
        "uvicorn": False,
        "pgbouncer": True,
        "redis-server": True,
    }
    assert status == 0
    assert [pid for pid in all_pids if Path(f"/proc/{pid}").exists()] == []
