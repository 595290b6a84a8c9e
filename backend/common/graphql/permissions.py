"""Who may call what: small checks that resolvers call first."""

from typing import Any

import strawberry
from django.contrib.auth.models import User
from strawberry.extensions import FieldExtension
from strawberry.extensions.field_extension import (
    AsyncExtensionResolver,
    SyncExtensionResolver,
)

from backend.common.errors import ErrorCode, PermissionDeniedError

from .context import current_user


def require_user(info: strawberry.Info) -> User:
    user = current_user(info)
    if not user.is_authenticated:
        raise PermissionDeniedError(
            "You must be signed in to do this.", code=ErrorCode.PERMISSION_DENIED
        )
    assert isinstance(user, User)
    return user


def require_staff(info: strawberry.Info) -> User:
    user = require_user(info)
    if not user.is_staff:
        raise PermissionDeniedError("Only staff members may do this.")
    return user


class SignedInOnly(FieldExtension):
    """Refuse a field to anonymous users with a PERMISSION_DENIED error."""

    def resolve(
        self,
        next_: SyncExtensionResolver,
        source: Any,
        info: strawberry.Info,
        **kwargs: Any,
    ) -> Any:
        require_user(info)
        return next_(source, info, **kwargs)

    async def resolve_async(
        self,
        next_: AsyncExtensionResolver,
        source: Any,
        info: strawberry.Info,
        **kwargs: Any,
    ) -> Any:
        require_user(info)
        return await next_(source, info, **kwargs)
