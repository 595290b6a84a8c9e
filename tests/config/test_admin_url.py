"""The admin is served only where ADMIN_URL puts it; production has it off."""

import subprocess
import sys

import pytest

from config.admin_url import admin_url
from tests.support.site import migrated_database
from tools.server import REPO, running_server


def get(server, path):
    return server.client().request("GET", path)


def test_production_serves_no_admin_by_default():
    with migrated_database() as env, running_server(env, workers=1) as server:
        replies = [get(server, path) for path in ("/admin/", "/admin/login/")]

        assert [reply.status for reply in replies] == [404, 404]
        assert b"Django administration" not in b"".join(r.raw for r in replies)
        assert get(server, "/graphql/?query={__typename}").status == 200


def test_production_serves_the_admin_where_admin_url_says():
    with (
        migrated_database(ADMIN_URL="staff-7f3a/console/") as env,
        running_server(env, workers=1) as server,
    ):
        login_page = get(server, "/staff-7f3a/console/login/")
        index = get(server, "/staff-7f3a/console/")
        default = get(server, "/admin/login/")

    assert login_page.status == 200
    assert b"Django administration" in login_page.raw
    assert index.status == 302  # to its login page, at the same place
    assert default.status == 404


@pytest.mark.parametrize(
    ("value", "debug", "expected"),
    [
        (None, False, ""),
        (None, True, "admin/"),
        ("", True, ""),
        ("", False, ""),
        ("ops/", False, "ops/"),
        ("back-office/admin_1/", True, "back-office/admin_1/"),
    ],
)
def test_admin_url_defaults_to_off_outside_debug(value, debug, expected):
    assert admin_url(value, debug=debug) == expected


@pytest.mark.parametrize(
    "value",
    [
        "/admin/",
        "admin",
        "/",
        "admin//",
        " admin/",
        "../admin/",
        "./",
        "admin/<int:pk>/",
        "adm in/",
        "graphql/",
        "graphql/admin/",
        "static/",
        "ädmin/",
    ],
)
def test_admin_url_refuses_a_malformed_or_shadowing_path(value):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="ADMIN_URL"):
        admin_url(value, debug=False)


def test_a_bad_admin_url_stops_the_server_from_starting_with_a_clear_message():
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": "x" * 50,
        "ADMIN_URL": "/admin",
    }

    done = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )

    assert done.returncode != 0
    assert "ImproperlyConfigured: ADMIN_URL" in done.stderr
