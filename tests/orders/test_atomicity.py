"""A mutation that fails half-way leaves nothing behind."""

import pytest

from backend.orders.models import Order
from tests.conftest import gid
from tests.support.faults import refuse_order_inserts


@pytest.fixture
def order_inserts_fail(db):
    """Make the database itself refuse the order row, after stock has moved."""
    refuse_order_inserts()


def test_a_failed_order_insert_rolls_back_the_stock_it_took(
    customer_client, product, order_inserts_fail
):
    response = customer_client.run(
        "PlaceOrder", input={"productId": gid("Product", product.pk), "quantity": 3}
    )

    assert response.status_code == 200
    assert response.errors[0]["message"] == "Unexpected error."
    assert response.error_codes() == ["INTERNAL_SERVER_ERROR"]
    assert len(response.errors[0]["extensions"]["errorId"]) == 12
    assert "trigger" not in str(response.body)
    product.refresh_from_db()
    assert product.stock_quantity == 10
    assert not Order.objects.exists()
