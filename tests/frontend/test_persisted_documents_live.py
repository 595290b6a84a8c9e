"""Persisted documents through the production server (gunicorn, DEBUG off).

Local memory keeps a store per worker, so one worker shows Apollo's flow;
with REDIS_URL every worker shares one store.
"""

import json
from typing import Any

from tests.support.site import migrated_database
from tools.contract import operation
from tools.graphql_http import GraphQLHttpClient
from tools.redis import running_redis
from tools.server import running_server

from .test_persisted_documents import COUNT, persisted

GRAPHQL_PATH = "/graphql/"


def send(client: GraphQLHttpClient, body: dict[str, Any]) -> dict[str, Any]:
    reply = client.request("POST", GRAPHQL_PATH, json.dumps(body).encode())
    assert reply.status == 200, reply.raw[:300]
    return reply.json


def codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


def test_apollos_flow_against_the_production_server():
    with migrated_database() as env, running_server(env, workers=1) as server:
        client = server.client()

        miss = send(client, {"extensions": persisted(COUNT)})
        resent = send(client, {"query": COUNT, "extensions": persisted(COUNT)})
        hit = send(client, {"extensions": persisted(COUNT)})
        manifest = send(client, {"extensions": persisted(operation("CatalogPage"))})

    assert codes(miss) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert resent["data"] == hit["data"] == {"products": {"totalCount": 0}}
    assert manifest["data"]["products"]["edges"] == []


def test_with_redis_every_worker_finds_a_registered_document():
    with (
        running_redis() as redis_server,
        migrated_database(REDIS_URL=redis_server.url()) as env,
        running_server(env, workers=2) as server,
    ):
        client = server.client()
        send(client, {"query": COUNT, "extensions": persisted(COUNT)})

        hits = [send(client, {"extensions": persisted(COUNT)}) for _ in range(8)]

    assert [hit.get("errors") for hit in hits] == [None] * 8


def test_trusted_only_on_the_production_server():
    with (
        migrated_database(GRAPHQL_TRUSTED_DOCUMENTS="only") as env,
        running_server(env, workers=1, answers_queries=False) as server,
    ):
        client = server.client()

        contract = send(client, {"query": operation("CatalogPage")})
        other = send(client, {"query": COUNT})
        registering = send(client, {"query": COUNT, "extensions": persisted(COUNT)})

    assert contract["data"]["products"]["totalCount"] == 0
    assert codes(other) == codes(registering) == ["DOCUMENT_NOT_TRUSTED"]
