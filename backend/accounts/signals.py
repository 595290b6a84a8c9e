"""Every save of a user keeps its canonical name, whoever saves it.

A signal rather than a call in our service: the admin, `createsuperuser` and
`create_user` save users too, and their names must clash just the same. Bulk
inserts send no signal; they call `index_usernames` (the demo seed does).
"""

from typing import Any

from django.contrib.auth.models import User
from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import CanonicalUsername
from .usernames import canonical_username


@receiver(post_save, sender=User, dispatch_uid="accounts.canonical_username")
def keep_canonical_username(
    sender: type[User],
    instance: User,
    created: bool,
    update_fields: frozenset[str] | None,
    **kwargs: Any,
) -> None:
    # Sign-ins save last_login only: nothing to do, and no extra query.
    if update_fields is not None and "username" not in update_fields:
        return
    name = canonical_username(instance.username)
    if created or not CanonicalUsername.objects.filter(user=instance).update(name=name):
        CanonicalUsername.objects.create(user=instance, name=name)
