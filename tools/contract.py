"""The frontend contract: operations frontends send, loaded from our copy."""

from functools import cache
from pathlib import Path

from graphql import OperationDefinitionNode, parse, print_ast

REPO = Path(__file__).resolve().parents[1]
CONTRACT_FILE = REPO / "tests/contract/frontend-operations.graphql"
SHARED_CONTRACT_FILE = REPO.parent / "shared/contract/frontend-operations.graphql"


@cache
def contract_operations() -> dict[str, str]:
    """Each named operation of the contract, printed alone."""
    document = parse(CONTRACT_FILE.read_text())
    return {
        definition.name.value: print_ast(definition)
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode) and definition.name
    }


def operation(name: str) -> str:
    return contract_operations()[name]
