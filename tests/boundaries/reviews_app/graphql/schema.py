import strawberry

from backend.common.graphql.context import current_user
from backend.common.graphql.fields import connection_field
from backend.common.graphql.ids import decode_global_id
from backend.common.graphql.mutations import mutation
from backend.products import api as products_api

from .. import services
from ..models import Review
from .types import (
    CreateReviewInput,
    ReviewConnection,
    ReviewFilter,
    ReviewOrder,
    ReviewType,
)


@strawberry.type
class ReviewQueries:
    reviews: ReviewConnection = connection_field(
        connection_type=ReviewConnection,
        filters_type=ReviewFilter,
        ordering_type=ReviewOrder,
        rows=lambda info: Review.objects.all(),
        description="Every review, a page at a time.",
    )


@strawberry.type
class ReviewMutations:
    @mutation(description="Review a product (signed in).")
    def create_review(
        self, info: strawberry.Info, input: CreateReviewInput
    ) -> ReviewType:
        review = services.create_review(
            actor=current_user(info),
            product_id=decode_global_id(
                input.product_id,
                type_name="Product",
                missing=products_api.PRODUCT_NOT_FOUND,
                field="product_id",
            ),
            stars=input.stars,
            text=input.text,
        )
        return review  # type: ignore[return-value]
