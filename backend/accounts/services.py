from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.http import HttpRequest

from backend.common.errors import (
    DomainError,
    ErrorCode,
    as_validation_error,
    field_errors,
)


@transaction.atomic
def register_user(*, username: str, email: str, password: str) -> User:
    user = User(username=username.strip(), email=email.strip())
    errors: dict[str, list[str]] = {}
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as error:
        errors.update(as_validation_error(error).message_dict)
    if not user.email:
        errors.setdefault("email", []).append("An email address is required.")
    else:
        try:
            validate_email(user.email)
        except ValidationError as error:
            errors.setdefault("email", []).extend(error.messages)
    try:
        validate_password(password, user)
    except ValidationError as error:
        errors["password"] = list(error.messages)
    if errors:
        raise field_errors({field: sorted(set(msgs)) for field, msgs in errors.items()})
    user.set_password(password)
    user.save()
    return user


def sign_in(request: HttpRequest, *, username: str, password: str) -> User:
    """Check the credentials and start a session; the same error for any mismatch."""
    user = authenticate(request, username=username, password=password)
    if user is None:
        raise DomainError(
            field=None,
            message="Invalid username or password.",
            code=ErrorCode.INVALID_CREDENTIALS,
        )
    login(request, user)
    assert isinstance(user, User)
    return user


def sign_out(request: HttpRequest) -> bool:
    was_signed_in = request.user.is_authenticated
    logout(request)
    return was_signed_in
