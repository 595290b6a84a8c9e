from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry
from strawberry import relay

from backend.common.errors import NotFound
from backend.common.graphql.context import current_user, get_loader
from backend.common.graphql.fields import connection_field, node_field
from backend.common.graphql.live import listen
from backend.common.graphql.mutations import mutation
from backend.products import api, events, selectors, services

from .types import (
    CreateProductInput,
    DeleteProductInput,
    ProductConnection,
    ProductFilter,
    ProductOrder,
    ProductType,
    UpdateProductInput,
)


@strawberry.type
class ProductQueries:
    product: ProductType | None = node_field(
        ProductType,
        description="One product by its global ID; null when it does not exist.",
    )

    products: ProductConnection = connection_field(
        connection_type=ProductConnection,
        filters_type=ProductFilter,
        ordering_type=ProductOrder,
        rows=lambda info: selectors.get_products_by_name(),
        description="The catalogue, a page at a time; anyone may read it.",
    )


@strawberry.type
class ProductSubscriptions:
    @strawberry.subscription(
        description=(
            "The product each time its stock or price changes (anyone). A burst "
            "of changes may arrive as fewer events; the last shows the last state."
        )
    )
    async def product_changed(
        self,
        info: strawberry.Info,
        id: Annotated[
            relay.GlobalID, strawberry.argument(description="The product's ID.")
        ],
    ) -> AsyncGenerator[ProductType, None]:
        product_id = ProductType.primary_key(id)
        if await get_loader(info, api.load_products).load(product_id) is None:
            raise NotFound(services.PRODUCT_NOT_FOUND)
        async for _ in listen(
            info, groups=(events.product_group(product_id),), private=False
        ):
            product = await get_loader(info, api.load_products).load(product_id)
            if product is None:  # deleted since
                return
            yield product  # type: ignore[misc]


@strawberry.type
class ProductMutations:
    @mutation(description="Add a product to the catalogue (staff).")
    def create_product(
        self, info: strawberry.Info, input: CreateProductInput
    ) -> ProductType:
        product = services.create_product(
            actor=current_user(info),
            name=input.name,
            description=input.description,
            price=input.price,
            stock_quantity=input.stock_quantity,
        )
        return product  # type: ignore[return-value]

    @mutation(description="Change the given fields of a product (staff).")
    def update_product(
        self, info: strawberry.Info, input: UpdateProductInput
    ) -> ProductType:
        changes = {
            field: value
            for field in ("name", "description", "price", "stock_quantity")
            if (value := getattr(input, field)) is not strawberry.UNSET
        }
        product_id, id_errors = ProductType.input_key(input.id)
        product = services.update_product(
            actor=current_user(info),
            product_id=product_id,
            input_errors=id_errors,
            **changes,
        )
        return product  # type: ignore[return-value]

    @mutation(description="Delete a product that has no orders (staff).")
    def delete_product(
        self, info: strawberry.Info, input: DeleteProductInput
    ) -> ProductType:
        product_id, id_errors = ProductType.input_key(input.id)
        product = services.delete_product(
            actor=current_user(info), product_id=product_id, input_errors=id_errors
        )
        return product  # type: ignore[return-value]
