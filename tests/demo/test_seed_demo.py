from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from backend.accounts.models import CanonicalUsername
from backend.demo import seed
from backend.orders.models import Order, OrderStatus
from backend.products.models import Product
from tests.graphql_client import GraphQLClient

SMALL = ("--products", "20", "--orders", "50")


@pytest.fixture
def debug(settings):
    settings.DEBUG = True


def seed_demo(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def demo_orders():
    return Order.objects.filter(customer__username__startswith="customer")


def counts():
    return User.objects.count(), Product.objects.count(), Order.objects.count()


@pytest.mark.django_db
def test_seed_demo_creates_a_staff_superuser_and_a_customer_who_can_log_in(debug):
    output = seed_demo(*SMALL)

    staff = User.objects.get(username="staff")
    customer = User.objects.get(username="customer")
    assert staff.is_staff
    assert staff.is_superuser
    assert staff.check_password("staff-demo-password")
    assert not customer.is_staff
    assert customer.check_password("customer-demo-password")
    assert User.objects.get(username="customer20").check_password(
        "customer-demo-password"
    )
    assert (
        GraphQLClient()
        .run(
            "Login",
            input={"username": "Customer", "password": "customer-demo-password"},
        )
        .data["login"]["username"]
        == "customer"
    )
    assert CanonicalUsername.objects.count() == User.objects.count()
    assert "staff / staff-demo-password" in output
    assert "customer / customer-demo-password" in output
    assert "LOCAL USE ONLY" in output
    assert "Open http://127.0.0.1:8000/graphql/" in output


@pytest.mark.django_db
def test_seed_demo_creates_the_requested_counts(debug):
    output = seed_demo(*SMALL)

    assert counts() == (22, 20, 50)
    assert demo_orders().count() == 50
    assert "Created 22 users, 20 products and 50 orders." in output


@pytest.mark.django_db
def test_seed_demo_orders_are_valid_history_in_every_status(debug):
    seed_demo(*SMALL)

    orders = list(Order.objects.select_related("product"))
    oldest = timezone.now() - timedelta(days=seed.HISTORY_DAYS, minutes=1)
    assert {order.status for order in orders} == set(OrderStatus.values)
    assert all(order.quantity >= 1 for order in orders)
    assert all(order.unit_price == order.product.price for order in orders)
    assert all(order.unit_price >= 0 for order in orders)
    assert all(oldest <= order.created_at <= timezone.now() for order in orders)
    assert all(order.created_at > order.product.created_at for order in orders)
    assert len({order.created_at.date() for order in orders}) > 10


@pytest.mark.django_db
def test_seed_demo_products_have_believable_prices_and_stock(debug):
    seed_demo("--products", "300", "--orders", "0")

    products = list(Product.objects.all())
    assert len({product.name for product in products}) == 300
    assert all(product.description for product in products)
    assert all(
        Decimal("0.50") <= product.price <= Decimal("500.00") for product in products
    )
    assert all(
        product.price == product.price.quantize(Decimal("0.01")) for product in products
    )
    assert all(0 <= product.stock_quantity <= 200 for product in products)
    assert any(product.stock_quantity == 0 for product in products)


@pytest.mark.django_db
def test_seed_demo_twice_creates_nothing_more(debug):
    seed_demo(*SMALL)
    before = counts()

    output = seed_demo(*SMALL)

    assert counts() == before
    assert "Demo data is already there: nothing created." in output
    assert "22 of these users already existed" in output


@pytest.mark.django_db
def test_seed_demo_tops_up_to_larger_targets(debug):
    seed_demo(*SMALL)
    first_names = set(Product.objects.values_list("name", flat=True))

    output = seed_demo("--products", "30", "--orders", "80")

    assert counts() == (22, 30, 80)
    assert first_names < set(Product.objects.values_list("name", flat=True))
    assert "Created 0 users, 10 products and 30 orders." in output


@pytest.mark.django_db
def test_seed_demo_keeps_an_existing_user_as_it_was(debug):
    User.objects.create_user(username="customer", password="my-own-password")

    seed_demo(*SMALL)

    customer = User.objects.get(username="customer")
    assert customer.check_password("my-own-password")
    assert User.objects.filter(username__startswith="customer").count() == 21


@pytest.mark.django_db
def test_seed_demo_refuses_to_run_without_debug(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        seed_demo(*SMALL)

    assert counts() == (0, 0, 0)


@pytest.mark.django_db
def test_seed_demo_refuses_orders_without_products(debug):
    with pytest.raises(CommandError, match="at least one product"):
        seed_demo("--products", "0", "--orders", "5")

    assert counts() == (0, 0, 0)


def test_product_specs_are_deterministic_and_extend_a_smaller_count():
    small = seed.product_specs(count=50, seed=7)

    assert seed.product_specs(count=50, seed=7) == small
    assert seed.product_specs(count=80, seed=7)[:50] == small
    assert seed.product_specs(count=50, seed=8) != small


def test_product_specs_stay_unique_past_every_material_and_noun():
    specs = seed.product_specs(count=5000, seed=1)

    assert len({spec.name for spec in specs}) == 5000


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("admin_url", "says"),
    [
        ("admin/", "also for the admin at http://127.0.0.1:8000/admin/"),
        ("ops/console/", "also for the admin at http://127.0.0.1:8000/ops/console/"),
        ("", "the admin is off: ADMIN_URL is empty"),
    ],
)
def test_seed_demo_points_staff_at_the_admin_where_admin_url_serves_it(
    debug, settings, admin_url, says
):
    settings.ADMIN_URL = admin_url

    output = seed_demo(*SMALL)

    assert says in output
    assert "/admin/" not in output.replace(says, "")
