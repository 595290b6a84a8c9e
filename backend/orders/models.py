from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from backend.products.api import MAX_STOCK_QUANTITY


class OrderStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SHIPPED = "shipped", "Shipped"
    DELIVERED = "delivered", "Delivered"
    CANCELED = "canceled", "Canceled"


class Order(models.Model):
    # A string reference: the database keeps integrity (and PROTECT refuses to
    # delete a product with orders) while no Python import crosses into products.
    product = models.ForeignKey(
        "products.Product", on_delete=models.PROTECT, related_name="+"
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders"
    )
    quantity = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_STOCK_QUANTITY)]
    )
    # What the customer asked for when placing it: quantity may change later,
    # and a retry of the placing request is compared with this.
    requested_quantity = models.PositiveIntegerField(editable=False)
    status = models.CharField(
        max_length=16, choices=OrderStatus.choices, default=OrderStatus.PENDING
    )
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    # NULL, not "": orders placed without a key must not collide in the unique
    # (customer, idempotency_key) constraint.
    idempotency_key = models.CharField(  # noqa: DJ001
        max_length=255, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["created_at", "id"], name="order_created_id_idx"),
            models.Index(
                fields=["customer", "created_at", "id"],
                name="order_customer_created_idx",
            ),
            models.Index(
                fields=["status", "created_at", "id"], name="order_status_created_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="order_quantity_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__lte=MAX_STOCK_QUANTITY)
                & models.Q(requested_quantity__lte=MAX_STOCK_QUANTITY),
                name="order_quantity_at_most_maximum",
            ),
            models.CheckConstraint(
                condition=models.Q(unit_price__gte=0),
                name="order_unit_price_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=OrderStatus.values),
                name="order_status_known",
            ),
            models.UniqueConstraint(
                fields=["customer", "idempotency_key"],
                condition=models.Q(idempotency_key__isnull=False),
                name="order_idempotency_key_unique_per_customer",
            ),
        ]

    def __str__(self) -> str:
        return f"Order #{self.pk} ({self.status})"

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.quantity
