from django.conf import settings
from django.db import models

from .usernames import MAX_LENGTH


class CanonicalUsername(models.Model):
    """Each account's name in canonical form, unique: one account per name.

    Django's own unique username compares exactly, so "Alice" and "alice"
    would both fit it; this index refuses the second even when two
    registrations race. Kept in step with User.username by `signals.py`.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="canonical_username",
    )
    name = models.CharField(max_length=MAX_LENGTH, unique=True)

    def __str__(self) -> str:
        return self.name
