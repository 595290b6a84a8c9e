"""The ErrorCode GraphQL enum: every code the apps and the gateway declare.

Built when the schema resolves its lazy references (strawberry.lazy), once
every owner of codes has been imported, so a new app's codes join it with no
edit here.
"""

from enum import Enum

import strawberry

from backend.common.errors import declared_codes

_Codes: type[Enum] = Enum(  # type: ignore[misc]
    "ErrorCode", sorted((code.value, code.value) for code in declared_codes())
)
ErrorCode = strawberry.enum(
    _Codes,
    name="ErrorCode",
    description=(
        "A stable code for what went wrong, in OperationInfo messages and in "
        "each error's `extensions.code` (see the README's table)."
    ),
)
