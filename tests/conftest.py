import importlib
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from django.test import override_settings
from django.urls import clear_url_caches
from strawberry import relay

from backend.products.models import Product
from tests.factories import ProductFactory, UserFactory
from tests.graphql_client import GraphQLClient


@pytest.fixture
def customer(db: None) -> User:
    return UserFactory.create(username="alice")


@pytest.fixture
def other_customer(db: None) -> User:
    return UserFactory.create(username="bob")


@pytest.fixture
def staff(db: None) -> User:
    return UserFactory.create(username="staffer", is_staff=True)


@pytest.fixture
def anonymous_client(db: None) -> GraphQLClient:
    return GraphQLClient()


@pytest.fixture
def customer_client(customer: User) -> GraphQLClient:
    return GraphQLClient().sign_in(customer)


@pytest.fixture
def other_customer_client(other_customer: User) -> GraphQLClient:
    return GraphQLClient().sign_in(other_customer)


@pytest.fixture
def staff_client(staff: User) -> GraphQLClient:
    return GraphQLClient().sign_in(staff)


@pytest.fixture
def product(db: None) -> Product:
    return ProductFactory.create(name="Teapot", price="12.50", stock_quantity=10)


def _reload_urls() -> None:
    import config.urls

    importlib.reload(config.urls)
    clear_url_caches()


@pytest.fixture
def admin_served() -> Iterator[str]:
    """Serve the admin for one test (outside DEBUG it is off by default)."""
    with override_settings(ADMIN_URL="admin/"):
        _reload_urls()
        yield "/admin/"
    _reload_urls()


def gid(type_name: str, pk: int) -> str:
    return str(relay.GlobalID(type_name, str(pk)))
