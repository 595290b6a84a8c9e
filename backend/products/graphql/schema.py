import strawberry
import strawberry_django
from strawberry import relay
from strawberry_django.relay import DjangoListConnection

from backend.common.graphql.fields import connection
from backend.common.graphql.ids import decode_global_id
from backend.common.graphql.permissions import require_staff
from backend.products import services

from .types import (
    CreateProductInput,
    DeleteProductInput,
    ProductType,
    UpdateProductInput,
)


def _product_pk(global_id: relay.GlobalID) -> int:
    return decode_global_id(
        global_id, type_name="Product", missing=services.PRODUCT_NOT_FOUND
    )


@strawberry.type
class ProductQueries:
    product: ProductType | None = strawberry_django.node(
        description="One product by its global ID; null when it does not exist."
    )
    products: DjangoListConnection[ProductType] = connection(
        description="The catalogue, paginated; anyone may read it.",
    )


@strawberry.type
class ProductMutations:
    @strawberry_django.mutation(description="Add a product to the catalogue (staff).")
    def create_product(
        self, info: strawberry.Info, input: CreateProductInput
    ) -> ProductType:
        require_staff(info)
        product = services.create_product(
            name=input.name,
            description=input.description,
            price=input.price,
            stock_quantity=input.stock_quantity,
        )
        return product  # type: ignore[return-value]

    @strawberry_django.mutation(
        description="Change the given fields of a product (staff)."
    )
    def update_product(
        self, info: strawberry.Info, input: UpdateProductInput
    ) -> ProductType:
        require_staff(info)
        changes = {
            field: value
            for field in ("name", "description", "price", "stock_quantity")
            if (value := getattr(input, field)) is not strawberry.UNSET
        }
        product = services.update_product(product_id=_product_pk(input.id), **changes)
        return product  # type: ignore[return-value]

    @strawberry_django.mutation(
        description="Delete a product that has no orders (staff)."
    )
    def delete_product(
        self, info: strawberry.Info, input: DeleteProductInput
    ) -> ProductType:
        require_staff(info)
        product = services.delete_product(product_id=_product_pk(input.id))
        return product  # type: ignore[return-value]
