"""Public interface of the reviews app: other apps import this module only."""

from . import selectors


def review_count(product_id: int) -> int:
    """How many reviews the product has."""
    return selectors.reviews_of(product_id).count()
