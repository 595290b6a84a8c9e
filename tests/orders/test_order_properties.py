"""Generated sequences of order changes: stock is conserved, never negative, and
every refusal is one the API reports cleanly."""

from contextlib import suppress
from decimal import Decimal

import pytest
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.orders import services
from backend.orders.models import Order, OrderStatus
from backend.products.models import MAX_STOCK_QUANTITY, Product
from tests.factories import ProductFactory

STOCK = 20
EXPECTED_REFUSALS = (ValidationError, ObjectDoesNotExist, PermissionDenied)

quantities = st.one_of(
    st.integers(min_value=-5, max_value=30),
    st.sampled_from([MAX_STOCK_QUANTITY, MAX_STOCK_QUANTITY + 1, 2**31 - 1]),
)
order_indexes = st.integers(min_value=0, max_value=5)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("create"), quantities),
        st.tuples(st.just("change"), order_indexes, quantities),
        st.tuples(st.just("cancel"), order_indexes),
        st.tuples(
            st.just("status"),
            order_indexes,
            st.sampled_from(list(OrderStatus.values)),
        ),
    ),
    max_size=12,
)


def apply(step, product: Product, orders: list[Order], customer, staff) -> None:
    match step:
        case ("create", quantity):
            orders.append(
                services.create_order(
                    customer=customer, product_id=product.pk, quantity=quantity
                ).order
            )
        case ("change", index, quantity) if index < len(orders):
            services.update_order(
                actor=customer, order_id=orders[index].pk, quantity=quantity
            )
        case ("cancel", index) if index < len(orders):
            services.cancel_order(actor=customer, order_id=orders[index].pk)
        case ("status", index, status) if index < len(orders):
            services.update_order(actor=staff, order_id=orders[index].pk, status=status)


def assert_invariants(product: Product) -> None:
    product.refresh_from_db()
    orders = Order.objects.filter(product_id=product.pk)
    held = orders.exclude(status=OrderStatus.CANCELED).aggregate(q=Sum("quantity"))
    assert product.stock_quantity >= 0
    assert product.stock_quantity + (held["q"] or 0) == STOCK
    for order in orders:
        assert order.quantity >= 1
        assert order.unit_price == product.price
        assert order.total == order.unit_price * order.quantity


@pytest.mark.django_db
@settings(
    max_examples=100,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=steps)
def test_any_sequence_of_order_changes_keeps_stock_conserved(steps, customer, staff):
    product = ProductFactory.create(stock_quantity=STOCK, price=Decimal("2.50"))
    orders: list[Order] = []

    for step in steps:
        with suppress(*EXPECTED_REFUSALS):
            apply(step, product, orders, customer, staff)
        assert_invariants(product)
