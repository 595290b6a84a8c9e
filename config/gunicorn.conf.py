"""gunicorn settings for production, read from the environment.

    gunicorn -c config/gunicorn.conf.py config.wsgi:application

Sync (WSGI) workers: each runs one request at a time, the async GraphQL view
under async_to_sync, and keeps one persistent PostgreSQL connection
(CONN_MAX_AGE, health-checked), which ASGI under psycopg2 did not.
"""

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _env_bool(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


wsgi_app = "config.wsgi:application"
bind = [os.environ.get("BIND", "127.0.0.1:8000")]
workers = _env_int("WEB_CONCURRENCY", 4)
worker_class = "sync"

# A request still running after this long is stuck: the arbiter kills its
# worker and starts a fresh one (a request takes milliseconds).
timeout = _env_int("GUNICORN_TIMEOUT", 30)
# On SIGTERM (a stop), and for the old workers on SIGHUP (a reload: README,
# Production, Restart), requests in progress get this long to finish.
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Replace each worker after about this many requests, so a slow leak in any
# library stays bounded; the jitter keeps workers from restarting together.
# 0 turns it off.
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 10_000)
max_requests_jitter = max_requests // 10

# GET documents travel in the request line: gunicorn's largest (4094 by
# default), as much as the front passes (deploy/nginx.conf).
limit_request_line = 8190

accesslog = "-" if _env_bool("ACCESS_LOG") else None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# The workers' heartbeat files on tmpfs: a slow disk must not make a healthy
# worker look hung to the arbiter.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None


def _remove_files_of_dead_processes(folder: Path) -> None:
    """prometheus_client's files are named <kind>_<pid>.db."""
    for path in folder.glob("*_*.db"):
        try:
            os.kill(int(path.stem.rpartition("_")[2]), 0)
        except ValueError:
            continue
        except ProcessLookupError:
            path.unlink(missing_ok=True)
        except PermissionError:  # alive, another user's
            continue


# Metrics (README "Operations"): every worker writes its figures to files in
# PROMETHEUS_MULTIPROC_DIR, a folder of this server's own unless given; the
# arbiter serves their sum on METRICS_BIND (host:port; unset, no metrics
# listener). A port of its own, not a path on the public one: the front never
# routes it, no token can leak, and the arbiter answers a scrape even while
# every worker is busy or stuck.
_OWNED_METRICS_DIR = "ORDERGRAPH_OWNS_PROMETHEUS_MULTIPROC_DIR"
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(
        prefix="ordergraph-metrics-", dir=worker_tmp_dir
    )
    os.environ[_OWNED_METRICS_DIR] = "1"
elif not os.environ.get(_OWNED_METRICS_DIR):
    # A folder given by the deployment (shared with the ASGI process, whose
    # live subscriptions then count here too): files of processes that are
    # gone are a previous run's.
    _remove_files_of_dead_processes(Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]))
metrics_bind = os.environ.get("METRICS_BIND", "").strip()
if metrics_bind and not metrics_bind.rpartition(":")[2].isdigit():
    raise ValueError(
        f"METRICS_BIND={metrics_bind!r}: use host:port, e.g. 127.0.0.1:9464"
    )
# Kept on the arbiter, not in this module: a reload (SIGHUP) runs this file
# again, while the listener started at the first start keeps serving.
_METRICS_SERVER = "ordergraph_metrics_server"


def when_ready(server: Any) -> None:
    if not metrics_bind:
        return
    from prometheus_client import CollectorRegistry, multiprocess, start_http_server

    host, _, port = metrics_bind.rpartition(":")
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    listener, _thread = start_http_server(
        int(port), addr=host.strip("[]") or "127.0.0.1", registry=registry
    )
    setattr(server, _METRICS_SERVER, listener)
    server.log.info("Serving metrics on http://%s/metrics", metrics_bind)


def post_fork(server: Any, worker: Any) -> None:
    # The arbiter's metrics listener is not the worker's to hold open, also
    # in workers started by a reload.
    if (listener := getattr(server, _METRICS_SERVER, None)) is not None:
        listener.socket.close()


def post_worker_init(worker: Any) -> None:
    # Loaded and about to serve: a warm reload (deploy/reload.py) retires an
    # old worker only once the new ones say so. The name is the process's
    # own (/proc/PID/comm, what ps shows), on Linux.
    try:
        with open("/proc/self/comm", "w") as comm:
            comm.write("og-ready")
    except OSError:
        pass


def child_exit(server: Any, worker: Any) -> None:
    # Its live gauges go; its counters stay in the sum.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]


def on_exit(server: Any) -> None:
    if os.environ.get(_OWNED_METRICS_DIR):
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
