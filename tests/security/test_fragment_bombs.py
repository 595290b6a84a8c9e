"""Documents whose fragments expand exponentially, sent to the production server.

Each fragment spreads the one before it twice: n of them stand for 2^n fields
in a few hundred bytes. The server measures a document on its fragment graph
before any validation rule runs, so each bomb is refused at once, by the
GRAPHQL_MAX_FIELDS limit, and the workers stay free for the next client.
"""

import json
from urllib.parse import quote

import pytest

from tools.graphql_http import GRAPHQL_PATH
from tools.server import Server

# "Well under a second" on a shared two-core machine; the figures are printed.
REFUSED_WITHIN_SECONDS = 0.5


def fragment_bomb(levels: int) -> str:
    """`fragment,f1,on,Query{...f0...f0}` and so on, `levels` deep. Commas are
    white space to GraphQL and need no escaping in a URL: the 100-level bomb
    then fits gunicorn's 4 KB request line as a GET."""
    definitions = ["fragment,f0,on,Query{__typename}"]
    definitions += [
        f"fragment,f{i},on,Query{{...f{i - 1}...f{i - 1}}}"
        for i in range(1, levels + 1)
    ]
    return f"query,Bomb{{...f{levels}}}" + "".join(definitions)


def post(server: Server, query: str):
    return server.client().request(
        "POST", GRAPHQL_PATH, json.dumps({"query": query}).encode()
    )


def get(server: Server, query: str):
    return server.client().request(
        "GET", f"{GRAPHQL_PATH}?query={quote(query, safe='{},.')}"
    )


@pytest.mark.parametrize("send", [post, get], ids=["POST", "GET"])
@pytest.mark.parametrize("levels", [20, 40, 100])
def test_a_fragment_bomb_is_refused_at_once_and_the_server_keeps_answering(
    production_server, send, levels
):
    query = fragment_bomb(levels)

    reply = send(production_server, query)
    print(
        f"\n{levels}-level bomb, {len(query)} bytes, {send.__name__.upper()}: "
        f"HTTP {reply.status} in {reply.seconds * 1000:.1f} ms"
    )

    assert reply.status == 200, reply.raw[:300]
    assert reply.json["data"] is None
    [error] = reply.json["errors"]
    assert error["extensions"] == {
        "code": "LIMIT_EXCEEDED",
        "limit": "GRAPHQL_MAX_FIELDS",
    }
    assert error["message"].startswith("'Bomb' selects ")
    assert reply.seconds < REFUSED_WITHIN_SECONDS
    follow_up = production_server.client().execute(
        "{ products(first: 5) { totalCount edges { node { name } } } }"
    )
    assert follow_up.status == 200
    assert follow_up.json.get("errors") is None
    assert follow_up.seconds < REFUSED_WITHIN_SECONDS
