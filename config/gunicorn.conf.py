"""gunicorn settings for production, read from the environment.

    gunicorn -c config/gunicorn.conf.py config.wsgi:application

Sync (WSGI) workers: each runs one request at a time, the async GraphQL view
under async_to_sync, and keeps one persistent PostgreSQL connection
(CONN_MAX_AGE, health-checked), which ASGI under psycopg2 did not.
"""

import os


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
# On SIGTERM (a deploy), requests in progress get this long to finish.
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
