"""Orders' services decide who may do what, whoever calls them."""

import pytest
from django.contrib.auth.models import AnonymousUser

from backend.common.errors import PermissionDeniedError
from backend.orders import services
from backend.orders.models import Order, OrderStatus
from tests.factories import place_order


def test_create_order_for_nobody_places_nothing_and_takes_no_stock(product):
    with pytest.raises(PermissionDeniedError, match="must be signed in"):
        services.create_order(
            customer=AnonymousUser(), product_id=product.pk, quantity=1
        )

    product.refresh_from_db()
    assert (Order.objects.count(), product.stock_quantity) == (0, 10)


def test_a_customer_cannot_ship_their_own_order_from_a_service_call(customer, product):
    order = place_order(customer, product)

    with pytest.raises(PermissionDeniedError, match="Only staff members"):
        services.update_order(
            actor=customer, order_id=order.pk, status=OrderStatus.SHIPPED
        )

    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
