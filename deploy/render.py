"""Fill in deploy/'s templates for a production host.

    python -m deploy.render nginx > /etc/ordergraph/nginx.conf
    python -m deploy.render pgbouncer --folder /etc/ordergraph/pgbouncer

Run with the production environment (README, Configuration; the systemd
units read /etc/ordergraph/env): nginx's limits come from the FRONT_*
variables and the settings' body cap, PgBouncer's upstream and login from
DATABASE_URL. `make serve-stack` and the tests render the same templates.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
PGBOUNCER_TEMPLATE = Path(__file__).with_name("pgbouncer.ini")
# The production recipe's loopback ports (deploy/systemd/).
APP_UPSTREAM = "127.0.0.1:8001"
SOCKET_UPSTREAM = "127.0.0.1:8002"
PGBOUNCER_PORT = 6432


class TemplateError(ValueError):
    """A template names a placeholder nobody fills in."""


def fill(template: Path, values: Mapping[str, str]) -> str:
    """The template with each {{name}} replaced; every one must have a value."""
    text = template.read_text()
    unknown = set(PLACEHOLDER.findall(text)) - values.keys()
    if unknown:
        raise TemplateError(f"deploy/{template.name}: no value for {sorted(unknown)}")
    # Substituted values are never read as placeholders again.
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], text)


@dataclass(frozen=True)
class Postgres:
    """Where DATABASE_URL points, and who logs in."""

    host: str
    port: int
    user: str
    password: str
    database: str

    @classmethod
    def from_url(cls, url: str) -> Postgres:
        parts = urlsplit(url)
        if parts.scheme not in ("postgres", "postgresql", "pgsql"):
            raise ValueError("DATABASE_URL must be a postgres:// URL for PgBouncer")
        return cls(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            database=parts.path.lstrip("/"),
        )


def pgbouncer_files(
    postgres: Postgres,
    *,
    folder: Path,
    listen_port: int,
    pool_size: int,
    listen_host: str = "127.0.0.1",
    log_to_folder: bool = True,
) -> dict[str, str]:
    """pgbouncer.ini and its users.txt, for files in `folder`.

    One login, DATABASE_URL's: its password (when it has one) is both what
    the application sends PgBouncer (SCRAM) and what PgBouncer sends
    PostgreSQL; a URL without one (a local trust setup) gets trust.
    log_to_folder: False for a service whose standard error is its log (the
    journal), with no pid file either.
    """
    users = folder / "users.txt"
    ini = fill(
        PGBOUNCER_TEMPLATE,
        {
            "postgres_host": postgres.host,
            "postgres_port": str(postgres.port),
            "listen_host": listen_host,
            "listen_port": str(listen_port),
            "auth_type": "scram-sha-256" if postgres.password else "trust",
            "auth_file": str(users),
            "admin_user": postgres.user,
            "pool_size": str(pool_size),
            "logfile": str(folder / "pgbouncer.log") if log_to_folder else "",
            "pidfile": str(folder / "pgbouncer.pid") if log_to_folder else "",
        },
    )

    def quoted(value: str) -> str:
        return '"' + value.replace('"', '""') + '"'

    return {
        "pgbouncer.ini": ini,
        "users.txt": f"{quoted(postgres.user)} {quoted(postgres.password)}\n",
    }


def pooled_url(postgres: Postgres, host: str, port: int) -> str:
    """DATABASE_URL for the application: the same login and database, at
    PgBouncer."""
    login = quote(postgres.user, safe="")
    if postgres.password:
        login += ":" + quote(postgres.password, safe="")
    return f"postgres://{login}@{host}:{port}/{postgres.database}"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.render")
    which = parser.add_subparsers(dest="which", required=True)
    nginx = which.add_parser("nginx", help="deploy/nginx.conf, to standard output")
    nginx.add_argument("--prefix", default="/var/lib/ordergraph/nginx")
    nginx.add_argument("--upstream", default=APP_UPSTREAM, help="gunicorn's BIND")
    nginx.add_argument("--socket-upstream", default=SOCKET_UPSTREAM)
    nginx.add_argument(
        "--user", default="www-data www-data", help="nginx's workers (started as root)"
    )
    bouncer = which.add_parser(
        "pgbouncer", help="deploy/pgbouncer.ini and users.txt, into --folder"
    )
    bouncer.add_argument("--folder", type=Path, required=True)
    bouncer.add_argument("--port", type=int, default=PGBOUNCER_PORT)
    bouncer.add_argument(
        "--pool-size", type=int, default=20, help="PostgreSQL connections at most"
    )
    args = parser.parse_args(argv)
    if args.which == "nginx":
        from deploy.stack import max_body_size, options_from_env, render_nginx_conf

        sys.stdout.write(
            render_nginx_conf(
                options_from_env(os.environ),
                prefix=Path(args.prefix),
                upstream=args.upstream,
                socket_upstream=args.socket_upstream,
                body_limit=max_body_size(os.environ),
                user=args.user or None,
            )
        )
        return 0
    postgres = Postgres.from_url(os.environ["DATABASE_URL"])
    files = pgbouncer_files(
        postgres,
        folder=args.folder,
        listen_port=args.port,
        pool_size=args.pool_size,
        log_to_folder=False,
    )
    args.folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        path = args.folder / name
        path.write_text(text)
        path.chmod(0o640)
    print(
        "DATABASE_URL="
        + pooled_url(postgres, "127.0.0.1", args.port)
        + " DATABASE_TRANSACTION_POOLING=1"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
