from backend.common.errors import DomainError
from backend.common.permissions import Actor, require_signed_in

from .errors import ReviewErrorCode
from .models import Review


def create_review(*, actor: Actor, product_id: int, stars: int, text: str) -> Review:
    """Review a product; signed-in users only, 1 to 5 stars."""
    author = require_signed_in(actor)
    if not 1 <= stars <= 5:
        raise DomainError(
            field="stars",
            message="Give 1 to 5 stars.",
            code=ReviewErrorCode.STARS_OUT_OF_RANGE,
        )
    return Review.objects.create(
        product_id=product_id, author_id=author.pk, stars=stars, text=text
    )
