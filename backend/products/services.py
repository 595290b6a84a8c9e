from decimal import Decimal
from typing import TypedDict, Unpack

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, ProtectedError
from django.utils import timezone

from backend.common.decimals import NOT_A_DECIMAL, parse_decimal, without_negative_zero
from backend.common.errors import (
    DomainError,
    ErrorCode,
    InputError,
    NotFound,
    as_validation_error,
    field_errors,
    raise_input_errors,
)
from backend.common.permissions import Actor, require_staff

from . import events
from .errors import ProductErrorCode
from .models import MAX_STOCK_QUANTITY, Product

PRODUCT_NOT_FOUND = "Product does not exist."
CENT = Decimal("0.01")


class ProductChanges(TypedDict, total=False):
    name: str
    description: str
    price: Decimal | str  # str: as sent on the wire, read by _read_price
    stock_quantity: int


def _read_price(price: Decimal | str) -> Decimal:
    """A price as given: a Decimal, or text in the wire format of the Decimal
    scalar (parse_decimal's rule); other text is VALIDATION on `price`."""
    if not isinstance(price, str):
        return price
    try:
        return parse_decimal(price)
    except ValueError:
        raise field_errors({"price": [NOT_A_DECIMAL]}) from None


def _with_price_read(changes: ProductChanges) -> ProductChanges:
    """The changes with their price, if given, read as a Decimal."""
    if "price" not in changes or changes["price"] is None:
        return changes  # a null price is the model's own "cannot be null"
    return {**changes, "price": _read_price(changes["price"])}


def _validated(product: Product) -> Product:
    try:
        product.full_clean()
    except ValidationError as error:
        raise as_validation_error(error) from error
    # Validation allows at most 2 places; quantize so "0" reads back as "0.00",
    # and -0 (which the database stores as 0) is echoed as what is stored.
    product.price = without_negative_zero(Decimal(product.price).quantize(CENT))
    return product


def _check_changes(changes: ProductChanges) -> None:
    """The given fields' own rules, checked before the product is looked up;
    a price in text is read first, and one that does not read is reported
    with the other fields' problems."""
    errors: dict[str, list[ValidationError]] = {}
    try:
        changes = _with_price_read(changes)
    except ValidationError as error:
        errors.update(error.error_dict)
        changes = changes.copy()
        del changes["price"]
    unchanged = [f.name for f in Product._meta.fields if f.name not in changes]
    try:
        Product(**changes).clean_fields(exclude=unchanged)
    except ValidationError as error:
        for field, items in as_validation_error(error).error_dict.items():
            errors.setdefault(field, []).extend(items)
    if errors:
        order = [f.name for f in Product._meta.fields]
        raise ValidationError(
            dict(sorted(errors.items(), key=lambda e: order.index(e[0])))
        )


def _get_for_update(product_id: int) -> Product:
    product = Product.objects.select_for_update().filter(pk=product_id).first()
    if product is None:
        raise NotFound(PRODUCT_NOT_FOUND)
    return product


@transaction.atomic
def create_product(
    *,
    actor: Actor,
    name: str,
    price: Decimal | str,
    description: str = "",
    stock_quantity: int = 0,
) -> Product:
    """Add a product to the catalogue; staff only. A price in text (as sent on
    the wire) that does not read is reported with the other fields' problems."""
    require_staff(actor)
    fields = ProductChanges(
        name=name, description=description, price=price, stock_quantity=stock_quantity
    )
    raise_input_errors(lambda: _check_changes(fields))
    product = _validated(Product(**_with_price_read(fields)))
    product.save()
    return product


@transaction.atomic
def update_product(
    *,
    actor: Actor,
    product_id: int,
    input_errors: InputError | None = None,
    **changes: Unpack[ProductChanges],
) -> Product:
    """Change only the given fields (staff only); 0, "" and other falsy values
    are real values. Every problem of the input's shape (`input_errors`, the
    caller's, included) is reported at once, before the product is looked up."""
    require_staff(actor)
    raise_input_errors(lambda: _check_changes(changes), found=input_errors)
    changes = _with_price_read(changes)
    product = _get_for_update(product_id)
    for field, value in changes.items():
        setattr(product, field, value)
    _validated(product).save(update_fields=[*changes, "updated_at"])
    if "price" in changes or "stock_quantity" in changes:
        events.product_changed(product.pk)
    return product


@transaction.atomic
def delete_product(
    *, actor: Actor, product_id: int, input_errors: InputError | None = None
) -> Product:
    """Delete a product that has no orders; staff only."""
    require_staff(actor)
    raise_input_errors(found=input_errors)
    product = _get_for_update(product_id)
    try:
        product.delete()
    except ProtectedError as error:
        raise DomainError(
            field=None,
            message="This product has orders and cannot be deleted.",
            code=ProductErrorCode.PRODUCT_HAS_ORDERS,
        ) from error
    # delete() clears the pk; the payload still names what was deleted.
    product.pk = product_id
    return product


def check_quantity(quantity: int) -> None:
    """A quantity of units to move: 1 to MAX_STOCK_QUANTITY."""
    if quantity < 1:
        message = "Quantity must be at least 1."
    elif quantity > MAX_STOCK_QUANTITY:
        message = f"Quantity must be at most {MAX_STOCK_QUANTITY}."
    else:
        return
    raise DomainError(field="quantity", message=message, code=ErrorCode.VALIDATION)


def reserve_stock(*, product_id: int, quantity: int) -> Product:
    """Take `quantity` units in one guarded UPDATE; return the product as locked."""
    check_quantity(quantity)
    # Its own transaction when called alone, so that the row stays locked for
    # the read below; inside the caller's (placing an order), no savepoint:
    # a failure here rolls the caller's transaction back whole anyway.
    with transaction.atomic(savepoint=False):
        taken = Product.objects.filter(
            pk=product_id, stock_quantity__gte=quantity
        ).update(
            stock_quantity=F("stock_quantity") - quantity, updated_at=timezone.now()
        )
        # The UPDATE (or its absence) leaves the row locked or unchanged, so this
        # read sees the price and stock the reservation was made against.
        product = Product.objects.filter(pk=product_id).first()
    if product is None:
        raise NotFound(PRODUCT_NOT_FOUND)
    if taken:
        events.product_changed(product_id)
    else:
        raise DomainError(
            field="quantity",
            message=(
                f"Not enough stock for {product.name!r}: {quantity} requested, "
                f"{product.stock_quantity} available."
            ),
            code=ProductErrorCode.INSUFFICIENT_STOCK,
        )
    return product


def release_stock(*, product_id: int, quantity: int) -> None:
    """Return `quantity` units to the product's stock, up to the maximum."""
    check_quantity(quantity)
    # Guarded like a reservation: staff may have refilled the stock meanwhile,
    # and a stock above the maximum would break the CHECK (or, unbounded,
    # the column). Both sides stay below 2**31: no overflow in the SQL.
    returned = Product.objects.filter(
        pk=product_id, stock_quantity__lte=MAX_STOCK_QUANTITY - quantity
    ).update(stock_quantity=F("stock_quantity") + quantity, updated_at=timezone.now())
    if returned:
        events.product_changed(product_id)
        return
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        raise NotFound(PRODUCT_NOT_FOUND)
    raise DomainError(
        field="quantity",
        message=(
            f"Giving {quantity} units back would take the stock of "
            f"{product.name!r} ({product.stock_quantity}) above the maximum of "
            f"{MAX_STOCK_QUANTITY}: lower its stock first."
        ),
        code=ErrorCode.VALIDATION,
    )
