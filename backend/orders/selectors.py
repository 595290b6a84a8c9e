from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from .models import Order


def visible_orders(
    user: AbstractBaseUser | AnonymousUser, orders: QuerySet[Order] | None = None
) -> QuerySet[Order]:
    """Staff see every order, a customer only their own, anonymous users none."""
    orders = Order.objects.all() if orders is None else orders
    if not user.is_authenticated:
        return orders.none()
    if getattr(user, "is_staff", False):
        return orders
    return orders.filter(customer_id=user.pk)


def get_order_for(user: AbstractBaseUser, order_id: int) -> Order | None:
    return visible_orders(user).filter(pk=order_id).first()
