"""Generated inputs for the product services: a product or a clean refusal."""

from decimal import Decimal

import pytest
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.products import services
from backend.products.models import MAX_STOCK_QUANTITY, Product
from tests.factories import staff_actor

# What the request layer lets through: it refuses NUL characters and unpaired
# surrogates itself (tests/security/test_limits.py), so they never get here.
text = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"),
    max_size=300,
)
prices = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True),
    st.decimals(min_value=-1, max_value=10**8, places=2),
)
stock = st.one_of(
    st.integers(min_value=-(2**40), max_value=2**40),
    # Around the maximum, where arithmetic on a 32-bit column would overflow.
    st.integers(min_value=MAX_STOCK_QUANTITY - 2, max_value=2**31 + 2),
)

EXPECTED_REFUSALS = (ValidationError, ObjectDoesNotExist)
CASES = settings(
    max_examples=150,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def row(product_id: int):
    fields = ("name", "description", "price", "stock_quantity")
    return Product.objects.values(*fields).get(pk=product_id)


@pytest.mark.django_db
@CASES
@given(name=text, description=text, price=prices, stock_quantity=stock)
def test_create_product_stores_what_it_was_given_or_refuses_cleanly(
    name, description, price, stock_quantity
):
    before = Product.objects.count()

    try:
        product = services.create_product(
            actor=staff_actor(),
            name=name,
            description=description,
            price=price,
            stock_quantity=stock_quantity,
        )
    except EXPECTED_REFUSALS:
        assert Product.objects.count() == before
        return

    assert row(product.pk) == {
        "name": name,
        "description": description,
        "price": price,
        "stock_quantity": stock_quantity,
    }
    assert 0 <= stock_quantity <= MAX_STOCK_QUANTITY
    assert Decimal(0) <= price < Decimal(10**8)


@pytest.mark.django_db
@CASES
@given(
    changes=st.fixed_dictionaries(
        {},
        optional={
            "name": text,
            "description": text,
            "price": prices,
            "stock_quantity": stock,
        },
    )
)
def test_update_product_changes_exactly_the_given_fields_or_nothing(changes):
    product = services.create_product(
        actor=staff_actor(),
        name="Kettle",
        description="",
        price=Decimal("3.00"),
        stock_quantity=4,
    )
    before = row(product.pk)

    try:
        services.update_product(actor=staff_actor(), product_id=product.pk, **changes)
    except EXPECTED_REFUSALS:
        assert row(product.pk) == before
        return

    after = row(product.pk)
    assert after == {**before, **changes}
    assert 0 <= after["stock_quantity"] <= MAX_STOCK_QUANTITY
