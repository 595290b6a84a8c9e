"""GRAPHQL_TRUSTED_DOCUMENTS=only holds on the WebSocket too (in-process)."""

import asyncio
from typing import Any

import pytest
from strawberry.channels.testing import GraphQLWebsocketCommunicator

from schema import persisted
from schema.sockets import websocket_application
from tools.contract import operation

HEADERS = [(b"host", b"testserver"), (b"origin", b"http://testserver")]


async def first_answer(query: str) -> dict[str, Any]:
    async with GraphQLWebsocketCommunicator(
        websocket_application(), "/graphql/", headers=HEADERS
    ) as socket:
        await socket.send_json_to(
            {"id": "1", "type": "subscribe", "payload": {"query": query}}
        )
        answer: dict[str, Any] = await socket.receive_json_from(timeout=10)
        return answer


@pytest.mark.django_db(transaction=True)
def test_a_subscription_outside_the_manifest_is_refused(settings):
    settings.GRAPHQL_TRUSTED_DOCUMENTS = "only"
    untrusted = 'subscription Prices { productChanged(id: "UHJvZHVjdDox") { price } }'

    answer = asyncio.run(first_answer(untrusted))

    assert answer["type"] == "error"
    assert answer["payload"][0]["extensions"] == {"code": "DOCUMENT_NOT_TRUSTED"}


def test_the_contracts_subscriptions_are_trusted(settings):
    settings.GRAPHQL_TRUSTED_DOCUMENTS = "only"

    for name in ("OrderChanged", "ProductChanged"):
        assert persisted.resolve(operation(name), None).query == operation(name)
