"""The orders admin shows a product's id and never reads products' table."""

from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.factories import UserFactory, place_order


def _admin_client() -> Client:
    root = UserFactory.create(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(User.objects.get(pk=root.pk))
    return client


def _product_reads(queries: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"] for q in queries.captured_queries if "products_product" in q["sql"]
    ]


def test_the_order_change_page_shows_the_product_id_without_reading_products(
    admin_served, customer, product
):
    order = place_order(customer, product, quantity=2)
    client = _admin_client()

    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{admin_served}orders/order/{order.pk}/change/")

    assert response.status_code == 200
    assert f'<div class="readonly">{product.pk}</div>' in response.text
    assert product.name not in response.text
    assert _product_reads(queries) == []


def test_the_order_changelist_reads_no_product(admin_served, customer, product):
    place_order(customer, product)
    client = _admin_client()

    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{admin_served}orders/order/")

    assert response.status_code == 200
    assert _product_reads(queries) == []


def test_orders_cannot_be_added_in_the_admin(admin_served, db):
    client = _admin_client()

    response = client.get(f"{admin_served}orders/order/add/")

    assert response.status_code == 403
