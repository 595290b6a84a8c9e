"""Production mode: `check --deploy` with the HTTPS settings, plain HTTP without."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

REPO = Path(__file__).resolve().parents[2]

# The HTTPS settings the README's "Security" section documents.
HTTPS_ENV = {
    "SECURE_SSL_REDIRECT": "1",
    "SESSION_COOKIE_SECURE": "1",
    "CSRF_COOKIE_SECURE": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
    "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
}


def check_deploy(extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SECURE_", "DJANGO_", "DEBUG"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="api.example.com",
        **extra,
    )
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_the_documented_production_settings():
    result = check_deploy(HTTPS_ENV)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_names_what_is_missing_without_them():
    result = check_deploy({})

    assert result.returncode != 0
    for check in ("W004", "W008", "W012", "W016"):
        assert f"security.{check}" in result.stderr


def test_production_mode_serves_plain_http_when_the_https_settings_are_off(db):
    response = Client().get("/graphql/", {"query": "{ __typename }"})

    assert response.status_code == 200
    assert json.loads(response.content)["data"] == {"__typename": "Query"}


def test_behind_a_tls_proxy_plain_http_is_redirected_and_https_served(db, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    client = Client()

    plain = client.get("/graphql/", {"query": "{ __typename }"})
    proxied = client.get(
        "/graphql/", {"query": "{ __typename }"}, HTTP_X_FORWARDED_PROTO="https"
    )

    assert plain.status_code == 301
    assert plain["Location"].startswith("https://")
    assert proxied.status_code == 200


def test_graphiql_is_not_served_in_production(db):
    response = Client().get("/graphql/", HTTP_ACCEPT="text/html")

    assert response.status_code == 404
    assert b"graphiql" not in response.content.lower()


@pytest.mark.parametrize(
    "name", ["GRAPHQL_IDE_ENABLED", "GRAPHQL_INTROSPECTION_ENABLED"]
)
def test_browser_ide_and_introspection_default_to_off_in_production(name):
    from django.conf import settings

    assert getattr(settings, name) is False
