"""Run the production topology: nginx (a buffering front) -> gunicorn workers,
and WebSocket upgrades of /graphql/ -> uvicorn (live updates).

    python -m deploy.stack            # what `make serve-stack` runs after migrate

nginx listens on the public address (FRONT_HOST:PORT, default 127.0.0.1:8000)
and hands whole requests to gunicorn (config/gunicorn.conf.py) on a private
loopback port, and WebSocket upgrades of /graphql/ to uvicorn serving
config.asgi:application on another. All three run in the foreground, with
nginx's files in a temporary folder, and all stop when any does or on
SIGINT/SIGTERM; SIGHUP restarts them one by one without dropping a request
(gunicorn's workers reloaded, uvicorn restarted, nginx reloaded). The tests
start the same stack through `running_stack`.
"""

from __future__ import annotations

import argparse
import grp
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, fields, replace
from pathlib import Path
from types import FrameType
from typing import IO, Any

REPO = Path(__file__).resolve().parent.parent
TEMPLATE = Path(__file__).with_name("nginx.conf")
GUNICORN_CONFIG = REPO / "config" / "gunicorn.conf.py"
LOOPBACK = "127.0.0.1"
# The front reaches gunicorn from this address: the one proxy the
# application trusts to name the client (TRUSTED_PROXIES).
FRONT_PEER = LOOPBACK
# Workers of an nginx started as root drop to this unprivileged account.
UNPRIVILEGED = "nobody"
STOP_TIMEOUT_SECONDS = 15.0
READY_TIMEOUT_SECONDS = 60.0
PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


class StackError(RuntimeError):
    """nginx or gunicorn is missing, did not start, or stopped."""


@dataclass(frozen=True)
class FrontOptions:
    """What the front listens on and how long it waits for a slow client.

    Each has an environment variable for `make serve-stack` (`FRONT_` and the
    name in capitals, PORT for the port); the defaults are production's.
    """

    host: str = LOOPBACK
    port: int = 8000
    # Seconds a client may stay silent while sending its headers, between two
    # reads of its body, and between two writes of the response.
    client_header_timeout: float = 10.0
    client_body_timeout: float = 10.0
    send_timeout: float = 10.0
    # Seconds an idle keep-alive connection stays open.
    keepalive_timeout: float = 15.0
    # Requests in flight at once from one client address.
    max_connections_per_client: int = 32
    # Seconds nginx waits for gunicorn's answer: past GUNICORN_TIMEOUT, so
    # gunicorn's own timeout (which replaces the stuck worker) acts first.
    upstream_timeout: float = 60.0
    worker_processes: str = "auto"
    worker_connections: int = 1024
    # Seconds an open WebSocket may stay silent both ways before the front
    # closes it (uvicorn pings every 20 s, so only a dead peer gets there).
    socket_timeout: float = 3600.0
    # Open WebSockets at once from one client address.
    max_sockets_per_client: int = 64
    access_log: bool = False


ENVIRONMENT = {
    "host": "FRONT_HOST",
    "port": "PORT",
    "client_header_timeout": "FRONT_CLIENT_HEADER_TIMEOUT",
    "client_body_timeout": "FRONT_CLIENT_BODY_TIMEOUT",
    "send_timeout": "FRONT_SEND_TIMEOUT",
    "keepalive_timeout": "FRONT_KEEPALIVE_TIMEOUT",
    "max_connections_per_client": "FRONT_MAX_CONNECTIONS_PER_CLIENT",
    "upstream_timeout": "FRONT_UPSTREAM_TIMEOUT",
    "worker_processes": "FRONT_WORKER_PROCESSES",
    "worker_connections": "FRONT_WORKER_CONNECTIONS",
    "socket_timeout": "FRONT_SOCKET_TIMEOUT",
    "max_sockets_per_client": "FRONT_MAX_SOCKETS_PER_CLIENT",
    "access_log": "ACCESS_LOG",
}


def options_from_env(env: Mapping[str, str]) -> FrontOptions:
    """FrontOptions with each variable of ENVIRONMENT that env sets."""
    options = FrontOptions()
    changes: dict[str, Any] = {}
    for field in fields(FrontOptions):
        value = env.get(ENVIRONMENT[field.name], "").strip()
        if not value:
            continue
        default = getattr(options, field.name)
        if isinstance(default, bool):
            changes[field.name] = value.lower() in {"1", "true", "yes", "on"}
        else:
            changes[field.name] = type(default)(value)
    return replace(options, **changes)


def max_body_size(env: Mapping[str, str]) -> int:
    """The application's body cap (DATA_UPLOAD_MAX_MEMORY_SIZE) in env.

    Read by the settings themselves, in a process of its own with the
    servers' environment, so that nginx and Django never disagree; a
    misconfigured environment fails here, before anything starts.
    """
    read = (
        "from django.conf import settings; print(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)"
    )
    done = subprocess.run(
        [sys.executable, "-c", read],
        cwd=REPO,
        env={"DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise StackError(f"the settings do not load: {last}")
    return int(done.stdout)


def _duration(seconds: float) -> str:
    return f"{round(seconds * 1000)}ms"


def render_nginx_conf(
    options: FrontOptions,
    *,
    prefix: Path,
    upstream: str,
    socket_upstream: str,
    body_limit: int,
    user: str | None,
) -> str:
    """deploy/nginx.conf with every placeholder filled in."""
    values = {
        "prefix": str(prefix),
        "listen": f"{options.host}:{options.port}",
        "upstream": upstream,
        "socket_upstream": socket_upstream,
        "socket_timeout": _duration(options.socket_timeout),
        "max_sockets_per_client": str(options.max_sockets_per_client),
        "max_body_size": str(body_limit),
        "client_header_timeout": _duration(options.client_header_timeout),
        "client_body_timeout": _duration(options.client_body_timeout),
        "send_timeout": _duration(options.send_timeout),
        "keepalive_timeout": _duration(options.keepalive_timeout),
        "upstream_timeout": _duration(options.upstream_timeout),
        "max_connections_per_client": str(options.max_connections_per_client),
        "worker_processes": options.worker_processes,
        "worker_connections": str(options.worker_connections),
        "access_log": "/dev/stdout" if options.access_log else "off",
        "error_log": "stderr",
        # Started as root, nginx's workers (which talk to clients) drop to
        # this user; otherwise they stay whoever started it.
        "user_directive": f"user {user};" if user else "",
    }
    template = TEMPLATE.read_text()
    unknown = set(PLACEHOLDER.findall(template)) - values.keys()
    if unknown:
        raise StackError(f"deploy/nginx.conf: no value for {sorted(unknown)}")
    # The template's own values ("{{max_body_size}} bytes") are plain
    # numbers; nothing substituted is ever read as a placeholder again.
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], template)


def unprivileged_user() -> str:
    """`user group` for nginx's workers when it starts as root."""
    try:
        account = pwd.getpwnam(UNPRIVILEGED)
    except KeyError:
        raise StackError(f"no {UNPRIVILEGED!r} user for nginx's workers") from None
    return f"{account.pw_name} {grp.getgrgid(account.pw_gid).gr_name}"


def find_nginx() -> str:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
    if found is None:
        raise StackError(
            "nginx is not installed: install Debian's nginx (or nginx-light) "
            "package; .ci/run does so on a bare machine"
        )
    return found


def free_port(host: str = LOOPBACK) -> int:
    """A port free now on host (another process could take it; unlikely)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def gunicorn_command() -> list[str]:
    """The production server, as `make serve` runs it."""
    gunicorn = Path(sys.executable).with_name("gunicorn")
    return [str(gunicorn), "-c", str(GUNICORN_CONFIG), "config.wsgi:application"]


# uvicorn's options for the socket server, besides where it listens and the
# message cap. No permessage-deflate: its zlib state costs each open socket
# about 70 KB of memory (bench.fanout), for events of a few hundred bytes.
# websockets' sans-I/O protocol (without the legacy protocol's three tasks
# and stream reader per open socket), lightened further in
# config/websocket_protocol.py.
SOCKET_SERVER_OPTIONS = (
    "--ws",
    "config.websocket_protocol:WebSocketProtocol",
    "--ws-per-message-deflate",
    "false",
)
SOCKET_GRACEFUL_SECONDS = 10


def uvicorn_command(port: int, *, message_limit: int) -> list[str]:
    """The WebSocket server: uvicorn on the ASGI application, on loopback."""
    uvicorn = Path(sys.executable).with_name("uvicorn")
    return [
        str(uvicorn),
        "config.asgi:application",
        "--host",
        LOOPBACK,
        "--port",
        str(port),
        # uvicorn refuses a larger frame itself (close 1009), like the consumer.
        "--ws-max-size",
        str(message_limit),
        *SOCKET_SERVER_OPTIONS,
        "--lifespan",
        "off",
        "--no-access-log",
        # On SIGTERM uvicorn closes every open socket at once (1012, "service
        # restart": clients reconnect) and gives the consumers' cleanup this
        # long before it exits.
        "--timeout-graceful-shutdown",
        str(SOCKET_GRACEFUL_SECONDS),
        # The front's X-Forwarded-For and X-Forwarded-Proto name the client
        # and its scheme; nothing else reaches this port.
        "--proxy-headers",
        "--forwarded-allow-ips",
        FRONT_PEER,
    ]


def _wait_for_port(
    process: subprocess.Popen[bytes], host: str, port: int, what: str
) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StackError(f"{what} exited with status {process.returncode}")
        with socket.socket() as sock:
            sock.settimeout(1.0)
            if sock.connect_ex((host, port)) == 0:
                return
        time.sleep(0.05)
    raise StackError(f"{what} did not listen on {host}:{port}")


def stop_process(process: subprocess.Popen[bytes], signum: int) -> None:
    """Signal a process (and its own group) to stop; kill it if it lingers."""
    if process.poll() is None:
        with suppress(ProcessLookupError):
            process.send_signal(signum)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
    # Each child leads its own process group: gunicorn's or nginx's workers
    # left behind by a crash go with it.
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _start(
    command: list[str], env: Mapping[str, str], output: IO[bytes] | None
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        command,
        cwd=REPO,
        env=dict(env),
        stdout=output,
        stderr=subprocess.STDOUT if output else None,
        start_new_session=True,
    )


@dataclass
class Stack:
    """The three running servers and where to reach them."""

    front: subprocess.Popen[bytes]
    app: subprocess.Popen[bytes]
    sockets: subprocess.Popen[bytes]
    options: FrontOptions
    app_port: int
    sockets_port: int
    folder: Path
    # How uvicorn was started, to start it again (restart_sockets).
    sockets_command: list[str]
    sockets_env: Mapping[str, str]
    output: IO[bytes] | None

    @property
    def port(self) -> int:
        return self.options.port

    def stop_app(self) -> None:
        """Stop gunicorn only (graceful, SIGTERM): the front stays up."""
        stop_process(self.app, signal.SIGTERM)

    def reload_app(self) -> None:
        """Replace every gunicorn worker gracefully (SIGHUP): new workers with
        the code and config on disk now, old ones finish their request first;
        the listening socket never closes (`systemctl reload`)."""
        self.app.send_signal(signal.SIGHUP)

    def warm_reload_app(self) -> None:
        """Replace every gunicorn worker, retiring old ones only once new ones
        have loaded the code (deploy/reload.py); returns when done."""
        from deploy.reload import warm_reload

        warm_reload(self.app.pid)

    def restart_sockets(self) -> tuple[float, float]:
        """Stop uvicorn (graceful, SIGTERM), start it again on the same port
        (`systemctl restart`); return the seconds it took to stop, and to
        listen again once started."""
        started = time.monotonic()
        stop_process(self.sockets, signal.SIGTERM)
        stopped = time.monotonic()
        self.sockets = _start(self.sockets_command, self.sockets_env, self.output)
        _wait_for_port(self.sockets, LOOPBACK, self.sockets_port, "uvicorn")
        return stopped - started, time.monotonic() - stopped

    def reload_front(self) -> None:
        """nginx rereads its configuration; old workers finish their requests
        (`nginx -s reload`)."""
        self.front.send_signal(signal.SIGHUP)

    def rolling_restart(self) -> None:
        """What a deploy does: reload the workers (warm) and the front,
        restart the socket server."""
        self.warm_reload_app()
        self.restart_sockets()
        self.reload_front()

    def exited(self) -> str | None:
        """The name of a server that has stopped, if any has."""
        for name, process in (
            ("nginx", self.front),
            ("gunicorn", self.app),
            ("uvicorn", self.sockets),
        ):
            if process.poll() is not None:
                return name
        return None


@contextmanager
def running_stack(
    env: Mapping[str, str],
    options: FrontOptions,
    *,
    body_limit: int | None = None,
    output: IO[bytes] | None = None,
) -> Iterator[Stack]:
    """Start gunicorn, uvicorn, then nginx; yield once all listen; stop all
    at the end.

    env is the servers' environment (DATABASE_URL, SECRET_KEY, REDIS_URL,
    ...), the same for both application servers; output receives every
    server's log (default: this process's).
    """
    nginx = find_nginx()
    as_root = os.geteuid() == 0
    user = unprivileged_user() if as_root else None
    app_port, sockets_port = free_port(), free_port()
    limit = body_limit if body_limit is not None else max_body_size(env)
    app_env = {**env, "BIND": f"{LOOPBACK}:{app_port}", "TRUSTED_PROXIES": FRONT_PEER}
    sockets_env = {**env, "TRUSTED_PROXIES": FRONT_PEER}
    folder = Path(tempfile.mkdtemp(prefix="ordergraph-front-"))
    conf = folder / "nginx.conf"
    # Stopped in reverse: the front first (SIGQUIT: no new requests, those in
    # flight finish), then the workers behind it (SIGTERM: graceful).
    started: list[tuple[subprocess.Popen[bytes], signal.Signals]] = []
    sockets: subprocess.Popen[bytes] | None = None
    stack: Stack | None = None
    try:
        if user:
            # nginx's workers run as that user and must reach their folders.
            folder.chmod(0o755)
        conf.write_text(
            render_nginx_conf(
                options,
                prefix=folder,
                upstream=f"{LOOPBACK}:{app_port}",
                socket_upstream=f"{LOOPBACK}:{sockets_port}",
                body_limit=limit,
                user=user,
            )
        )
        sockets_command = uvicorn_command(sockets_port, message_limit=limit)
        for command, server_env in (
            (gunicorn_command(), app_env),
            (sockets_command, sockets_env),
        ):
            started.append((_start(command, server_env, output), signal.SIGTERM))
        (app, _), (sockets, _) = started
        _wait_for_port(app, LOOPBACK, app_port, "gunicorn")
        _wait_for_port(sockets, LOOPBACK, sockets_port, "uvicorn")
        check = subprocess.run(
            [nginx, "-t", "-q", "-p", str(folder), "-c", str(conf)],
            capture_output=True,
            text=True,
            check=False,
        )
        if check.returncode != 0:
            raise StackError(f"nginx refused its configuration:\n{check.stderr}")
        front = subprocess.Popen(
            [nginx, "-p", str(folder), "-c", str(conf)],
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
            start_new_session=True,
        )
        started.append((front, signal.SIGQUIT))
        _wait_for_port(front, options.host, options.port, "nginx")
        stack = Stack(
            front,
            app,
            sockets,
            options,
            app_port,
            sockets_port,
            folder,
            sockets_command,
            sockets_env,
            output,
        )
        yield stack
    finally:
        for process, signum in reversed(started):
            # uvicorn may have been restarted: stop the one running now.
            if process is sockets and stack is not None:
                process = stack.sockets
            stop_process(process, signum)
        shutil.rmtree(folder, ignore_errors=True)


# Server connections the stack's PgBouncer (STACK_PGBOUNCER=1) opens to
# PostgreSQL at most, for all of gunicorn's workers and uvicorn.
STACK_POOL_SIZE = 4


def _flag(env: Mapping[str, str], name: str) -> bool:
    return env.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


@contextmanager
def backing_services(
    env: Mapping[str, str], *, pgbouncer: bool, redis: bool
) -> Iterator[dict[str, str]]:
    """The servers' environment with a throwaway PgBouncer in front of
    DATABASE_URL's PostgreSQL (transaction pooling, deploy/pgbouncer.ini)
    and a throwaway Redis, when asked; both stop at the end."""
    servers_env = dict(env)
    with ExitStack() as services:
        if pgbouncer:
            from tools.pgbouncer import running_pgbouncer_for

            pool = services.enter_context(
                running_pgbouncer_for(env["DATABASE_URL"], pool_size=STACK_POOL_SIZE)
            )
            servers_env["DATABASE_URL"] = pool.url()
            servers_env["DATABASE_TRANSACTION_POOLING"] = "1"
        if redis:
            from tools.redis import running_redis

            servers_env["REDIS_URL"] = services.enter_context(running_redis()).url()
        yield servers_env


def _parse_args(argv: list[str]) -> FrontOptions:
    defaults = options_from_env(os.environ)
    parser = argparse.ArgumentParser(
        prog="python -m deploy.stack",
        description=(
            "nginx (buffering front) -> gunicorn, and WebSocket upgrades of "
            "/graphql/ -> uvicorn, in the foreground."
        ),
    )
    for field in fields(FrontOptions):
        default = getattr(defaults, field.name)
        flag = "--" + field.name.replace("_", "-")
        if isinstance(default, bool):
            parser.add_argument(flag, action=argparse.BooleanOptionalAction)
        else:
            parser.add_argument(flag, type=type(default))
        parser.set_defaults(**{field.name: default})
    namespace = parser.parse_args(argv)
    names = [field.name for field in fields(FrontOptions)]
    return FrontOptions(**{name: getattr(namespace, name) for name in names})


class _Stop(Exception):
    """A termination signal arrived."""


def _on_signal(_signum: int, _frame: FrameType | None) -> None:
    raise _Stop


_reload_requested: list[bool] = []


def _on_reload(_signum: int, _frame: FrameType | None) -> None:
    _reload_requested.append(True)


def main(argv: list[str]) -> int:
    options = _parse_args(argv)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _on_signal)
    # SIGHUP: a rolling restart (README, Production), not a stop.
    signal.signal(signal.SIGHUP, _on_reload)
    try:
        with (
            backing_services(
                os.environ,
                pgbouncer=_flag(os.environ, "STACK_PGBOUNCER"),
                redis=_flag(os.environ, "STACK_REDIS"),
            ) as env,
            running_stack(env, options) as stack,
        ):
            behind = [
                f"PgBouncer ({STACK_POOL_SIZE} connections)"
                if _flag(env, "DATABASE_TRANSACTION_POOLING")
                else "",
                "Redis" if env.get("REDIS_URL") else "",
            ]
            print(
                f"stack: nginx on http://{options.host}:{options.port}/graphql/ -> "
                f"gunicorn on {LOOPBACK}:{stack.app_port}, WebSocket upgrades -> "
                f"uvicorn on {LOOPBACK}:{stack.sockets_port}"
                + "".join(f", {name}" for name in behind if name)
                + "; Ctrl-C stops all, "
                f"kill -HUP {os.getpid()} restarts them one by one",
                file=sys.stderr,
                flush=True,
            )
            while (which := stack.exited()) is None:
                if _reload_requested:
                    _reload_requested.clear()
                    print("stack: rolling restart", file=sys.stderr, flush=True)
                    stack.rolling_restart()
                time.sleep(0.5)
            print(f"stack: {which} exited; stopping", file=sys.stderr, flush=True)
            return 1
    except _Stop:
        return 0
    except RuntimeError as error:  # StackError, or PgBouncer or Redis did not start
        print(f"stack: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
