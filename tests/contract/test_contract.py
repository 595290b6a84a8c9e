import pytest
from graphql import parse, validate

from schema.schema import schema
from tools.contract import (
    CONTRACT_FILE,
    SHARED_CONTRACT_FILE,
    contract_operations,
)


@pytest.mark.skipif(
    not SHARED_CONTRACT_FILE.exists(), reason="no ../shared/contract beside the clone"
)
def test_contract_copy_is_identical_to_the_shared_contract():
    assert CONTRACT_FILE.read_bytes() == SHARED_CONTRACT_FILE.read_bytes(), (
        "tests/contract/frontend-operations.graphql differs from the shared "
        "contract: copy the shared file over ours and make the code fit it."
    )


def test_contract_has_every_operation_frontends_send():
    assert set(contract_operations()) == {
        "CatalogPage",
        "SearchProducts",
        "ProductDetail",
        "Refetch",
        "Register",
        "Login",
        "Logout",
        "Me",
        "PlaceOrder",
        "MyOrders",
        "OrderDetail",
        "ChangeQuantity",
        "CancelOrder",
        "CreateProduct",
        "UpdateProduct",
        "DeleteProduct",
        "SetOrderStatus",
        "AllOrdersByStatus",
        "OrderChanged",
        "ProductChanged",
    }


def test_every_contract_operation_validates_against_the_schema():
    document = parse(CONTRACT_FILE.read_text())

    errors = validate(schema._schema, document)

    assert [error.message for error in errors] == []
