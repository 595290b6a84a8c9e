from decimal import Decimal

from django.core.validators import (
    MaxValueValidator,
    MinLengthValidator,
    MinValueValidator,
)
from django.db import models

# Stock, and so any quantity ordered, never exceeds this: stock plus a
# quantity then stays below 2**31 (a 32-bit column), whatever the arithmetic.
MAX_STOCK_QUANTITY = 1_000_000_000


class Product(models.Model):
    name = models.CharField(max_length=255, validators=[MinLengthValidator(1)])
    description = models.TextField(blank=True, default="")
    price = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    stock_quantity = models.PositiveIntegerField(
        default=0, validators=[MaxValueValidator(MAX_STOCK_QUANTITY)]
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["price", "id"], name="product_price_id_idx"),
            models.Index(fields=["name", "id"], name="product_name_id_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price__gte=0), name="product_price_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(stock_quantity__gte=0),
                name="product_stock_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(stock_quantity__lte=MAX_STOCK_QUANTITY),
                name="product_stock_at_most_maximum",
            ),
            models.CheckConstraint(
                condition=~models.Q(name=""), name="product_name_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def in_stock(self) -> bool:
        return self.stock_quantity > 0
