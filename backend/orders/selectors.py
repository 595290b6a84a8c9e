from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from backend.common.permissions import is_staff

from .models import Order


def visible_orders(
    user: AbstractBaseUser | AnonymousUser, orders: QuerySet[Order] | None = None
) -> QuerySet[Order]:
    """Staff see every order, a customer only their own, anonymous users none."""
    orders = Order.objects.all() if orders is None else orders
    if not user.is_authenticated:
        return orders.none()
    if is_staff(user):
        return orders
    return orders.filter(customer_id=user.pk)
