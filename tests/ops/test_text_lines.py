"""The default (text) request line, in-process: one line, whatever a client sends."""

import json
import logging

from tests.graphql_client import GRAPHQL_URL, GraphQLClient


def test_a_client_chosen_name_cannot_break_or_forge_a_text_line(
    anonymous_client: GraphQLClient, caplog
):
    caplog.set_level(logging.INFO, logger="ordergraph.requests")
    forged = "x\nrequest request_id=forged status=200"

    anonymous_client.client.post(
        GRAPHQL_URL,
        json.dumps({"query": "{ __typename }", "operationName": forged}),
        content_type="application/json",
        HTTP_X_REQUEST_ID="bad id with spaces",
    )

    [record] = [r for r in caplog.records if r.name == "ordergraph.requests"]
    line = record.getMessage()
    assert "\n" not in line
    assert 'operation="x\\nrequest request_id=forged status=200"' in line
    assert line.count("request_id=") == 2  # ours, and the quoted one inside
    assert line.startswith("request request_id=")
    request_id = line.split()[1].removeprefix("request_id=")
    assert len(request_id) == 32  # the unsafe header was replaced
    assert line.endswith("cost=- error_codes=BAD_REQUEST error_ids=-")
