"""A GraphQL client over the real URL and view, as a browser frontend uses it."""

import json
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.test import Client

from tools.contract import operation

GRAPHQL_URL = "/graphql/"


@dataclass
class Response:
    status_code: int
    body: dict[str, Any]

    @property
    def data(self) -> Any:
        assert not self.body.get("errors"), self.body.get("errors")
        return self.body["data"]

    @property
    def errors(self) -> list[dict[str, Any]]:
        return list(self.body.get("errors") or [])

    def error_codes(self) -> list[str | None]:
        return [(e.get("extensions") or {}).get("code") for e in self.errors]


@dataclass
class GraphQLClient:
    """Cookie sessions with CSRF enforced: GET for the token, POST with it."""

    client: Client = field(default_factory=lambda: Client(enforce_csrf_checks=True))

    def csrf_token(self) -> str:
        cookie = self.client.cookies.get("csrftoken")
        if cookie is None:
            self.client.get(GRAPHQL_URL, {"query": "{ __typename }"})
            cookie = self.client.cookies["csrftoken"]
        return cookie.value

    def execute(
        self, query: str, variables: dict[str, Any] | None = None, **extra: Any
    ) -> Response:
        response = self.client.post(
            GRAPHQL_URL,
            data=json.dumps({"query": query, "variables": variables or {}}),
            content_type="application/json",
            HTTP_X_CSRFTOKEN=self.csrf_token(),
            **extra,
        )
        return Response(response.status_code, json.loads(response.content))

    def run(self, name: str, **variables: Any) -> Response:
        """Run a contract operation by name."""
        return self.execute(operation(name), variables)

    def sign_in(self, user: User) -> "GraphQLClient":
        self.client.force_login(user)
        return self
