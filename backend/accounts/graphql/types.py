import strawberry
from django.contrib.auth.models import User
from django.db.models import QuerySet

from backend.common.graphql.context import current_user
from backend.common.graphql.node import ModelNode
from backend.common.permissions import is_staff


@strawberry.type(name="User", description="A person with an account.")
class UserType(ModelNode):
    model = User

    username: str = strawberry.field()
    email: str = strawberry.field()
    is_staff: bool = strawberry.field(
        description="Staff manage the catalogue and move orders along."
    )

    @classmethod
    def visible(cls, info: strawberry.Info) -> QuerySet[User]:
        # Accounts are private: staff see everyone, a person only themselves.
        user = current_user(info)
        if not user.is_authenticated:
            return User.objects.none()
        if is_staff(user):
            return User.objects.all()
        return User.objects.filter(pk=user.pk)


@strawberry.input(description="A new account.")
class RegisterInput:
    username: str
    email: str
    password: str


@strawberry.input
class LoginInput:
    username: str
    password: str
