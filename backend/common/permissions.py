"""Who may do what: checks that services make on the actor they are given.

Services take the actor, so a call from a resolver, the shell, the admin or a
task meets the same rules; resolvers only pass the request's user along.
"""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User

from .errors import PermissionDeniedError

Actor = AbstractBaseUser | AnonymousUser
SIGN_IN_REQUIRED = "You must be signed in to do this."
STAFF_ONLY = "Only staff members may do this."


def require_signed_in(actor: Actor) -> User:
    if not actor.is_authenticated:
        raise PermissionDeniedError(SIGN_IN_REQUIRED)
    assert isinstance(actor, User)
    return actor


def require_staff(actor: Actor) -> User:
    user = require_signed_in(actor)
    if not user.is_staff:
        raise PermissionDeniedError(STAFF_ONLY)
    return user


def is_staff(actor: Actor) -> bool:
    return bool(getattr(actor, "is_staff", False))
