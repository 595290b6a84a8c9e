"""Where the Django admin is served, from the ADMIN_URL setting."""

import re

from django.core.exceptions import ImproperlyConfigured

# Plain path segments only: Django's path() would read "<...>" as a converter,
# and "." or ".." segments never reach it the way they are written.
_SEGMENTS = re.compile(r"(?:(?!\.+/)[A-Za-z0-9._~-]+/)+")
# Prefixes the admin must not shadow: the API itself and the static files.
_RESERVED = ("graphql", "static")


def admin_url(value: str | None, *, debug: bool) -> str:
    """The admin's URL prefix ("" for no admin): by default at admin/ in DEBUG only."""
    if value is None:
        return "admin/" if debug else ""
    if value == "":
        return ""
    if not _SEGMENTS.fullmatch(value) or value.split("/", 1)[0] in _RESERVED:
        raise ImproperlyConfigured(
            f"ADMIN_URL={value!r}: give a path like 'admin/' or 'ops/admin/' "
            "(ASCII letters, digits, '.', '_', '~' and '-', ending with '/', "
            "no leading '/', not under graphql/ or static/), or an empty "
            "value to turn the admin off."
        )
    return value
