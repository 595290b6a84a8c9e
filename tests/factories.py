from decimal import Decimal

import factory
from django.contrib.auth.models import User

from backend.orders import services as order_services
from backend.orders.models import Order
from backend.products.models import Product

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"customer{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj: User, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            obj.save()


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Product {n:04d}")
    description = "A fine thing."
    price = Decimal("10.00")
    stock_quantity = 100


def place_order(customer: User, product: Product, quantity: int = 1) -> Order:
    """Orders are made through the service, as in production."""
    return order_services.create_order(
        customer=customer, product_id=product.pk, quantity=quantity
    )
