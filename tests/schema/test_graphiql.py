"""GraphiQL for browsers when the IDE is on: in DEBUG, or with GRAPHQL_IDE_ENABLED.

schema/views.py builds the view once, at import, from the settings, so each case
runs in a fresh process started with its environment: the real settings, URL
and view, as `make run` serves them. Production (IDE off) is in
tests/security/test_production.py.
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]

# A browser opens /graphql/; prints what the tests assert on, as JSON.
BROWSER = """
import json, re
import django
django.setup()
from django.test import Client

page = Client().get("/graphql/", HTTP_ACCEPT="text/html")
cookie = page.cookies.get("csrftoken")
title = re.search(rb"<title>(.*?)</title>", page.content)
assets = re.findall(rb'(?:src|href)="([^"]*)"', page.content)
print(json.dumps({
    "assets": [asset.decode() for asset in assets],
    "status": page.status_code,
    "content_type": page["Content-Type"],
    "title": title.group(1).decode() if title else None,
    "csrftoken": cookie.value if cookie else None,
}))
"""

IDE_ON = {
    "debug": {"DEBUG": "1"},
    "GRAPHQL_IDE_ENABLED": {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "GRAPHQL_IDE_ENABLED": "1",
    },
}


def browse(extra: dict[str, str]) -> dict[str, Any]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(
            ("DJANGO_", "DEBUG", "GRAPHQL_", "SECURE_", "DATABASE_", "SECRET_KEY")
        )
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        # Opening the page reads no table; nothing may reach a real database.
        DATABASE_URL="sqlite://:memory:",
        ALLOWED_HOSTS="testserver",
        **extra,
    )
    done = subprocess.run(
        [sys.executable, "-c", BROWSER],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


@pytest.mark.parametrize("extra", IDE_ON.values(), ids=IDE_ON.keys())
def test_a_browser_gets_the_graphiql_page_and_the_csrftoken_cookie(extra):
    visit = browse(extra)

    assert (visit["status"], visit["content_type"], visit["title"]) == (
        200,
        "text/html; charset=utf-8",
        "ordergraph GraphiQL",
    )
    # Everything the page loads is ours: no CDN (tests/frontend run it offline).
    assert all(
        asset.startswith("/static/graphiql/") or asset == "data:,"
        for asset in visit["assets"]
    ), visit["assets"]
    assert "/static/graphiql/page.js" in visit["assets"]
    # GraphiQL sends it back as X-CSRFToken with each query it posts.
    assert visit["csrftoken"] is not None
    assert len(visit["csrftoken"]) == 32


def test_graphql_ide_enabled_off_hides_graphiql_even_in_debug():
    visit = browse({"DEBUG": "1", "GRAPHQL_IDE_ENABLED": "0"})

    assert (visit["status"], visit["title"]) == (404, None)
