import strawberry
import strawberry_django

from backend.common.graphql.node import ModelNode
from backend.common.graphql.pagination import CountedConnection

from ..models import Review


@strawberry_django.filter_type(Review, name="ReviewFilter")
class ReviewFilter:
    stars: strawberry.auto


@strawberry_django.order_type(Review, name="ReviewOrder")
class ReviewOrder:
    stars: strawberry.auto


@strawberry.type(name="Review", description="What a customer thinks of a product.")
class ReviewType(ModelNode):
    model = Review

    stars: int = strawberry.field(description="1 to 5.")
    text: str = strawberry.field(description="Free text.")


@strawberry.type(name="ReviewConnection", description="A page of reviews.")
class ReviewConnection(CountedConnection[ReviewType]):
    pass


@strawberry.input(description="A review to write.")
class CreateReviewInput:
    product_id: strawberry.ID
    stars: int
    text: str
