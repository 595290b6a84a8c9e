"""What the server log holds: each unexpected error once, with its id; no noise."""

import logging

from tests.conftest import gid
from tests.orders.test_atomicity import order_inserts_fail  # noqa: F401


def error_records(caplog):
    return [record for record in caplog.records if record.levelno >= logging.ERROR]


def test_an_unexpected_error_is_logged_once_with_the_id_the_client_sees(
    customer_client,
    product,
    order_inserts_fail,  # noqa: F811
    caplog,
):
    response = customer_client.run(
        "PlaceOrder", input={"productId": gid("Product", product.pk), "quantity": 1}
    )

    error_id = response.errors[0]["extensions"]["errorId"]
    [record] = error_records(caplog)
    assert record.name == "ordergraph.errors"
    assert error_id in record.getMessage()
    assert record.exc_info is not None  # the stack trace, for whoever reads it


def test_client_errors_are_not_logged_as_server_errors(anonymous_client, caplog):
    anonymous_client.run("CatalogPage", first=101)
    anonymous_client.execute("{ products(first: 1) { edges { nope } } }")
    anonymous_client.execute("{ products(")

    assert error_records(caplog) == []
