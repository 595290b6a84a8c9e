from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry
import strawberry_django
from strawberry import relay

from backend.common.errors import NotFound
from backend.common.graphql.context import get_loader
from backend.common.graphql.ids import decode_global_id
from backend.common.graphql.live import listen
from backend.common.graphql.pagination import (
    AFTER,
    BEFORE,
    FIRST,
    LAST,
    PageArgs,
    PageSizeLimit,
    paginate,
)
from backend.common.graphql.permissions import require_staff
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


def _product_pk(global_id: relay.GlobalID) -> int:
    return decode_global_id(
        global_id, type_name="Product", missing=services.PRODUCT_NOT_FOUND
    )


@strawberry.type
class ProductQueries:
    @strawberry.field(
        description="One product by its global ID; null when it does not exist."
    )
    async def product(
        self, info: strawberry.Info, id: relay.GlobalID
    ) -> ProductType | None:
        if id.type_name != "Product":
            return None
        [product] = await ProductType.resolve_nodes(info=info, node_ids=[id.node_id])
        return product

    @strawberry.field(
        description="The catalogue, a page at a time; anyone may read it.",
        extensions=[PageSizeLimit()],
    )
    async def products(
        self,
        info: strawberry.Info,
        filters: ProductFilter | None = None,
        ordering: list[ProductOrder] | None = None,
        first: Annotated[int | None, FIRST] = None,
        after: Annotated[str | None, AFTER] = None,
        last: Annotated[int | None, LAST] = None,
        before: Annotated[str | None, BEFORE] = None,
    ) -> ProductConnection:
        connection, _ = await paginate(
            selectors.get_products_by_name(),
            info=info,
            connection_type=ProductConnection,
            args=PageArgs(first=first, after=after, last=last, before=before),
            filters=filters,
            ordering=ordering,
            ordering_type=ProductOrder,
        )
        return connection


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
        product_id = _product_pk(id)
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
