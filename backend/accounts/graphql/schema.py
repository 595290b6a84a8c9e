import strawberry
from django.contrib.auth.models import User

from backend.accounts import services
from backend.common.graphql.context import current_user, http_request
from backend.common.graphql.mutations import mutation

from .types import LoginInput, RegisterInput, UserType


@strawberry.type
class AccountQueries:
    @strawberry.field(description="The signed-in user, or null when anonymous.")
    def me(self, info: strawberry.Info) -> UserType | None:
        user = current_user(info)
        return user if isinstance(user, User) else None  # type: ignore[return-value]


@strawberry.type
class AccountMutations:
    @mutation(
        description="Create an account and sign in to it (sets the session cookie)."
    )
    def register(self, info: strawberry.Info, input: RegisterInput) -> UserType:
        user = services.register_user(
            username=input.username, email=input.email, password=input.password
        )
        services.sign_in(
            http_request(info), username=user.username, password=input.password
        )
        return user  # type: ignore[return-value]

    @mutation(description="Sign in; sets the session cookie.")
    def login(self, info: strawberry.Info, input: LoginInput) -> UserType:
        user = services.sign_in(
            http_request(info), username=input.username, password=input.password
        )
        return user  # type: ignore[return-value]

    @mutation(
        description="Sign out; true when a session was ended.", report_refusals=False
    )
    def logout(self, info: strawberry.Info) -> bool:
        return services.sign_out(http_request(info))
