from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from backend.accounts import lockout, selectors
from backend.accounts.errors import AccountErrorCode
from backend.accounts.models import CanonicalUsername
from backend.accounts.usernames import MAX_LENGTH, canonical_username
from backend.common.errors import (
    DomainError,
    as_validation_error,
    field_errors,
)

USERNAME_TAKEN = "A user with that username already exists."
USERNAME_TOO_LONG = (
    f"Ensure this value has at most {MAX_LENGTH} characters once normalized "
    "(it has {length})."
)


def register_user(*, username: str, email: str, password: str) -> User:
    """Create an account; refused if its name is another's in any case or form."""
    try:
        return _create_user(username=username, email=email, password=password)
    except IntegrityError:
        # A registration of the same name committed after our check: the
        # unique index kept it to one account. Anything else is a bug.
        if not selectors.username_taken(username.strip()):
            raise
        raise field_errors({"username": [USERNAME_TAKEN]}) from None


def _username_errors(user: User) -> list[str]:
    name = canonical_username(user.username)
    # full_clean checked the length as typed, before NFKC could lengthen it.
    if (length := max(len(name), len(user.username))) > MAX_LENGTH:
        return [USERNAME_TOO_LONG.format(length=length)]
    if CanonicalUsername.objects.filter(name=name).exists():
        return [USERNAME_TAKEN]
    return []


@transaction.atomic
def _create_user(*, username: str, email: str, password: str) -> User:
    user = User(username=username.strip(), email=email.strip())
    errors: dict[str, list[str]] = {}
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as error:
        errors.update(as_validation_error(error).message_dict)
    if "username" not in errors and (username_errors := _username_errors(user)):
        errors["username"] = username_errors
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


def index_usernames(users: Iterable[User]) -> None:
    """Store the canonical names of users from bulk_create, which sends no signal."""
    CanonicalUsername.objects.bulk_create(
        CanonicalUsername(user=user, name=canonical_username(user.username))
        for user in users
    )


INVALID_CREDENTIALS = "Invalid username or password."
USERNAME_MAX_LENGTH = 150  # Django's User.username
TOO_MANY_ATTEMPTS = "Too many failed sign-in attempts; try again in {minutes} minutes."


def _too_many_attempts() -> DomainError:
    minutes = int(settings.LOGIN_FAILURE_WINDOW.total_seconds() // 60)
    return DomainError(
        field=None,
        message=TOO_MANY_ATTEMPTS.format(minutes=minutes),
        code=AccountErrorCode.TOO_MANY_ATTEMPTS,
    )


def _invalid_credentials() -> DomainError:
    return DomainError(
        field=None,
        message=INVALID_CREDENTIALS,
        code=AccountErrorCode.INVALID_CREDENTIALS,
    )


def sign_in(request: HttpRequest, *, username: str, password: str) -> User:
    """Check the credentials and start a session; the same error for any mismatch.

    Repeated failures lock the account (per client address, then from
    anywhere) whether or not it exists, so a lockout reveals nothing either.
    """
    # No account has a longer name; refusing it here also keeps it out of the
    # failure records, whose username column is shorter than our input limit.
    if len(username) > USERNAME_MAX_LENGTH or (
        len(canonical_username(username)) > MAX_LENGTH
    ):
        raise _invalid_credentials()
    # Any case or form of the name signs in to its account (failures are
    # counted per canonical name: see lockout.lockout_username). An account
    # saved without its canonical name (a raw bulk insert) still answers to
    # its exact name.
    username = selectors.stored_username(username) or username
    user = authenticate(request, username=username, password=password)
    if user is None:
        if lockout.is_locked_out(request, username) or lockout.address_is_flooding(
            request
        ):
            raise _too_many_attempts()
        raise _invalid_credentials()
    login(request, user)
    assert isinstance(user, User)
    return user


def sign_out(request: HttpRequest) -> bool:
    was_signed_in = request.user.is_authenticated
    logout(request)
    return was_signed_in
