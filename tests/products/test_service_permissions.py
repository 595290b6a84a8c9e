"""The catalogue's services refuse non-staff actors, whoever calls them."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser

from backend.common.errors import PermissionDeniedError
from backend.products import services
from backend.products.models import Product


def test_create_product_called_for_a_customer_creates_nothing(customer, product):
    with pytest.raises(PermissionDeniedError, match="Only staff members"):
        services.create_product(actor=customer, name="Lamp", price=Decimal("5.00"))

    assert list(Product.objects.values_list("name", flat=True)) == ["Teapot"]


def test_update_product_called_for_nobody_changes_nothing(product):
    with pytest.raises(PermissionDeniedError, match="must be signed in"):
        services.update_product(
            actor=AnonymousUser(), product_id=product.pk, price=Decimal("0.01")
        )

    product.refresh_from_db()
    assert product.price == Decimal("12.50")


def test_delete_product_called_for_a_customer_keeps_the_product(customer, product):
    with pytest.raises(PermissionDeniedError):
        services.delete_product(actor=customer, product_id=product.pk)

    assert Product.objects.filter(pk=product.pk).exists()
