"""Who may call each root field: the declared policy the tests hold the schema to.

Every root query, mutation and subscription field must have an entry (a test
enumerates them from the schema), and each (field, role) is run to check the
declared outcome.
The README's "Security" section shows this table; a test keeps the two equal.
"""

from dataclasses import dataclass
from enum import StrEnum


class Access(StrEnum):
    ALLOWED = "yes"
    DENIED = "PERMISSION_DENIED"


ROLES = ("anonymous", "customer", "staff")

YES = Access.ALLOWED
NO = Access.DENIED


@dataclass(frozen=True)
class Policy:
    anonymous: Access
    customer: Access
    staff: Access
    scope: str = ""

    def for_role(self, role: str) -> Access:
        access: Access = getattr(self, role)
        return access


QUERIES: dict[str, Policy] = {
    "node": Policy(YES, YES, YES, "null for an order or user the caller may not see"),
    "me": Policy(YES, YES, YES, "null when anonymous"),
    "product": Policy(YES, YES, YES),
    "products": Policy(YES, YES, YES),
    "order": Policy(NO, YES, YES, "customers: own orders only, others are null"),
    "orders": Policy(NO, YES, YES, "customers: own orders only"),
}

MUTATIONS: dict[str, Policy] = {
    "register": Policy(YES, YES, YES),
    "login": Policy(YES, YES, YES, "TOO_MANY_ATTEMPTS after repeated failures"),
    "logout": Policy(YES, YES, YES),
    "createProduct": Policy(NO, NO, YES),
    "updateProduct": Policy(NO, NO, YES),
    "deleteProduct": Policy(NO, NO, YES),
    "createOrder": Policy(NO, YES, YES),
    "updateOrder": Policy(
        NO, YES, YES, "customers: quantity and cancel of own pending orders"
    ),
    "cancelOrder": Policy(NO, YES, YES, "customers: own pending orders"),
}


SUBSCRIPTIONS: dict[str, Policy] = {
    "orderChanged": Policy(
        NO,
        YES,
        YES,
        "customers: own orders only; another's order id sends nothing",
    ),
    "productChanged": Policy(YES, YES, YES),
}


def markdown_table() -> str:
    """The policy as the README shows it."""
    lines = [
        "| root field | anonymous | customer | staff | scope |",
        "|---|---|---|---|---|",
    ]
    kinds = (
        ("query", QUERIES),
        ("mutation", MUTATIONS),
        ("subscription", SUBSCRIPTIONS),
    )
    for kind, policies in kinds:
        for field, policy in policies.items():
            cells = [f"`{field}` ({kind})"]
            cells += [policy.for_role(role).value for role in ROLES]
            cells.append(policy.scope)
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
