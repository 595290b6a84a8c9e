"""GraphiQL with every asset served from our static files, never from a CDN.

Strawberry's view renders the template `graphql/graphiql.html` when one
exists and falls back to its own page, which loads React and GraphiQL from a
CDN. schema/views.py overrides `render_graphql_ide` with `graphiql_page`
instead, so a missing template is an error, not a page that needs the
internet. The assets are vendored by tools/graphiql_assets.py, which writes
the manifest read here.
"""

import json
from functools import cache
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from graphql import IntrospectionQuery, introspection_from_schema

from .schema import schema

MANIFEST = "graphiql/manifest.json"


@cache
def _assets() -> dict[str, list[dict[str, str]]]:
    path = finders.find(MANIFEST)
    if not isinstance(path, str):
        raise FileNotFoundError(f"{MANIFEST} is not among the static files.")
    with open(path, encoding="utf-8") as file:
        manifest: dict[str, Any] = json.load(file)
    integrity = {
        name: digest
        for package in manifest["packages"]
        for name, digest in package["files"].items()
    }
    return {
        kind: [
            {"url": static(f"graphiql/{name}"), "integrity": integrity[name]}
            for name in manifest[kind]
        ]
        for kind in ("scripts", "styles")
    }


@cache
def _introspection() -> IntrospectionQuery:
    return introspection_from_schema(schema._schema)


def graphiql_page(request: HttpRequest) -> HttpResponse:
    """The GraphiQL page for the GraphQL endpoint."""
    # Django's header name as a browser sends it: HTTP_X_CSRFTOKEN -> X-CSRFTOKEN.
    header = settings.CSRF_HEADER_NAME.removeprefix("HTTP_").replace("_", "-")
    config = {
        "endpoint": reverse("graphql"),
        "csrfCookieName": settings.CSRF_COOKIE_NAME,
        "csrfHeaderName": header,
        # GraphiQL's own introspection query selects more fields, deeper, than
        # the document limits allow any request: the page carries the schema
        # instead, when introspection is on.
        "schema": (
            _introspection() if settings.GRAPHQL_INTROSPECTION_ENABLED else None
        ),
    }
    return HttpResponse(
        render_to_string("graphiql.html", {"config": config, **_assets()})
    )
