from decimal import Decimal

from django.contrib.auth.models import User
from factory.declarations import LazyAttribute, Sequence
from factory.django import DjangoModelFactory, Password

from backend.orders import services as order_services
from backend.orders.models import Order
from backend.products.models import Product

PASSWORD = "correct-horse-battery-staple"


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User

    username = Sequence(lambda n: f"customer{n}")
    email = LazyAttribute(lambda user: f"{user.username}@example.com")
    password = Password(PASSWORD)


class ProductFactory(DjangoModelFactory[Product]):
    class Meta:
        model = Product

    name = Sequence(lambda n: f"Product {n:04d}")
    description = "A fine thing."
    price = Decimal("10.00")
    stock_quantity = 100


def place_order(customer: User, product: Product, quantity: int = 1) -> Order:
    """Orders are made through the service, as in production."""
    placed = order_services.create_order(
        customer=customer, product_id=product.pk, quantity=quantity
    )
    return placed.order


def staff_actor() -> User:
    """A staff member to call staff-only services with directly."""
    user, _ = User.objects.get_or_create(
        username="staff-actor", defaults={"is_staff": True}
    )
    return user
