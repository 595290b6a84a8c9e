from django.contrib.auth.models import User

from .models import CanonicalUsername
from .usernames import canonical_username


def username_taken(username: str) -> bool:
    return CanonicalUsername.objects.filter(name=canonical_username(username)).exists()


def stored_username(username: str) -> str | None:
    """The account's own spelling of a name typed in any form, if it exists."""
    found = User.objects.filter(
        canonical_username__name=canonical_username(username)
    ).values_list("username", flat=True)
    return found.first()
