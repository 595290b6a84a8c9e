from typing import Any

import strawberry
import strawberry_django
from django.contrib.auth.models import User
from django.db.models import QuerySet
from strawberry import relay

from backend.common.graphql.context import current_user


@strawberry_django.type(User, name="User", description="A person with an account.")
class UserType(relay.Node):
    username: str = strawberry_django.field()
    email: str = strawberry_django.field()
    is_staff: bool = strawberry_django.field(
        description="Staff manage the catalogue and move orders along."
    )

    @classmethod
    def get_queryset(
        cls, queryset: QuerySet[User], info: strawberry.Info, **kwargs: Any
    ) -> QuerySet[User]:
        # Accounts are private: staff see everyone, a person only themselves.
        user = current_user(info)
        if not user.is_authenticated:
            return queryset.none()
        if getattr(user, "is_staff", False):
            return queryset
        return queryset.filter(pk=user.pk)


@strawberry.input(description="A new account.")
class RegisterInput:
    username: str
    email: str
    password: str


@strawberry.input
class LoginInput:
    username: str
    password: str
