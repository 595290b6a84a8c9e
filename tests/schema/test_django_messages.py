"""Django's ValidationError reaches clients as its finished sentence, never as
its message template ("“%(value)s” value must be an integer.")."""

import pytest
from django.core.exceptions import ValidationError
from django.db import models
from graphql import located_error

from backend.common.errors import DomainError
from backend.products.errors import ProductErrorCode
from schema.errors import MaskUnexpectedErrors


def as_resolver_error(error: Exception):
    # What graphql-core makes of an exception raised in a resolver.
    return located_error(error, None, ["products"])


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        (models.BigAutoField(), "x", "“x” value must be an integer."),
        (models.DecimalField(), "y", "“y” value must be a decimal number."),
        (models.DateTimeField(), "z", "“z” value has an invalid format."),
    ],
)
def test_a_raw_django_validation_error_is_shown_interpolated(field, value, expected):
    with pytest.raises(ValidationError) as raised:
        field.to_python(value)
    error = as_resolver_error(raised.value)

    masked = MaskUnexpectedErrors().should_mask_error(error)

    assert masked is False
    assert error.message.startswith(expected)
    assert "%(" not in error.message
    assert error.extensions == {"code": "VALIDATION"}


def test_a_validation_error_with_several_messages_keeps_them_all():
    error = as_resolver_error(
        ValidationError({"name": ["Too short."], "price": ["Not a price."]})
    )

    MaskUnexpectedErrors().should_mask_error(error)

    assert error.message == "name: Too short. price: Not a price."
    assert error.extensions == {"code": "VALIDATION"}


def test_a_domain_error_keeps_its_own_code():
    error = as_resolver_error(
        DomainError(
            field="quantity",
            message="Too few.",
            code=ProductErrorCode.INSUFFICIENT_STOCK,
        )
    )

    MaskUnexpectedErrors().should_mask_error(error)

    assert error.extensions == {"code": "INSUFFICIENT_STOCK"}
