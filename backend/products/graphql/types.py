import datetime
from decimal import Decimal

import strawberry
import strawberry_django
from django.db.models import Q
from strawberry_django.fields.filter_order import filter_field

from backend.common.decimals import DecimalText
from backend.common.graphql.node import ModelNode
from backend.common.graphql.pagination import CountedConnection
from backend.products.api import ProductSnapshot
from backend.products.models import Product


@strawberry.input(
    name="ProductNameFilterLookup",
    description=(
        "Text lookups on a product name. Regular expressions are deliberately "
        "not offered: a user-supplied pattern can make the database work hard."
    ),
)
class ProductNameLookup:
    exact: str | None = filter_field(description="Exactly this name.")
    i_exact: str | None = filter_field(description="This name, ignoring case.")
    contains: str | None = filter_field(description="Contains this text.")
    i_contains: str | None = filter_field(
        description="Contains this text, ignoring case."
    )
    starts_with: str | None = filter_field(description="Starts with this text.")
    i_starts_with: str | None = filter_field(
        description="Starts with this text, ignoring case."
    )


@strawberry_django.filter_type(Product, name="ProductFilter")
class ProductFilter:
    name: ProductNameLookup | None = strawberry_django.filter_field(
        description="Match on the product name."
    )

    @strawberry_django.filter_field(
        description="true: only products with stock; false: only sold-out ones."
    )
    def in_stock(self, value: bool, prefix: str) -> Q:
        return (
            Q(**{f"{prefix}stock_quantity__gt": 0})
            if value
            else Q(**{f"{prefix}stock_quantity": 0})
        )


@strawberry_django.order_type(Product, name="ProductOrder")
class ProductOrder:
    name: strawberry.auto
    price: strawberry.auto
    stock_quantity: strawberry.auto
    created_at: strawberry.auto


@strawberry.type(name="Product", description="An item of the catalogue.")
class ProductType(ModelNode):
    model = Product
    # Placing an order answers with the product as the reservation left it.
    also_renders = (ProductSnapshot,)

    name: str = strawberry.field(description="Display name, 1-255 characters.")
    description: str = strawberry.field(description="Free text; may be empty.")
    price: Decimal = strawberry.field(description="Current unit price.")
    stock_quantity: int = strawberry.field(description="Units available to order now.")
    in_stock: bool = strawberry.field(
        description="Whether at least one unit is available."
    )
    created_at: datetime.datetime = strawberry.field()
    updated_at: datetime.datetime = strawberry.field()


@strawberry.type(name="ProductConnection", description="A page of products.")
class ProductConnection(CountedConnection[ProductType]):
    pass


@strawberry.input(description="A new catalogue item.")
class CreateProductInput:
    name: str
    price: DecimalText  # read by the service: a malformed one is a message on it
    description: str = ""
    stock_quantity: int = 0


@strawberry.input(
    description="Fields to change on a product; fields left out keep their value."
)
class UpdateProductInput:
    id: strawberry.ID
    name: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    price: DecimalText | None = strawberry.UNSET
    stock_quantity: int | None = strawberry.UNSET


@strawberry.input(description="The product to delete.")
class DeleteProductInput:
    id: strawberry.ID
