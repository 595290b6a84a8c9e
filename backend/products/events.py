"""Product events for live updates: a product's stock or price changed."""

from backend.common.events import publish_on_commit

PRODUCT_CHANGED = "product.changed"


def product_group(product_id: int) -> str:
    return f"products.product.{product_id}"


def product_changed(product_id: int) -> None:
    """Tell the product's subscribers, once the current transaction commits.

    The event names the product only: subscribers read its state when the
    event arrives, so a burst of changes may show fewer events, the last of
    them always with the last state.
    """
    publish_on_commit(
        (product_group(product_id),),
        {"type": PRODUCT_CHANGED, "product_id": product_id},
    )
