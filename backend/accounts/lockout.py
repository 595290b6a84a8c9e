"""Throttling of failed sign-ins, on top of django-axes' records of them.

Axes records each failure in the database (so every worker sees it) and asks
`is_locked` before any password is checked. Its own rule has one limit for all
of `AXES_LOCKOUT_PARAMETERS`; ours gives each parameter set its own limit, and
keeps a separate, much higher limit per client address that only ever turns a
failed attempt into TOO_MANY_ATTEMPTS (see `address_is_flooding`).
"""

from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_credentials
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import QuerySet, Sum
from django.http import HttpRequest

from backend.accounts.usernames import canonical_username

# Axes' own username column.
_RECORDED_USERNAME_LENGTH = 255


def lockout_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The name failures are counted under: "Alice" and "ALICE" share one count.

    Otherwise each spelling of a name would get its own limit, and an
    attacker would multiply the guesses per account. Axes calls this for our
    login and the admin's alike (AXES_USERNAME_CALLABLE).
    """
    source = credentials if credentials is not None else request.POST
    username = source.get("username") or ""  # AXES_USERNAME_FORM_FIELD's default
    # Names this long match no account (their canonical form is longer than
    # any account may have), so cutting them merges nothing that exists.
    return canonical_username(str(username))[:_RECORDED_USERNAME_LENGTH]


def _failures(attempts: QuerySet[AccessAttempt]) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


def lockout_limits() -> list[int]:
    """One limit per entry of AXES_LOCKOUT_PARAMETERS, in the same order."""
    return [
        settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT_AND_ADDRESS,
        settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT,
    ]


class LoginLockoutHandler(AxesDatabaseHandler):
    def is_locked(
        self, request: HttpRequest, credentials: dict[str, Any] | None = None
    ) -> bool:
        attempts = self.get_user_attempts(request, credentials)
        return any(
            _failures(matching) >= limit
            for matching, limit in zip(attempts, lockout_limits(), strict=True)
        )


def is_locked_out(request: HttpRequest, username: str) -> bool:
    """Whether sign-ins to `username` from this client are refused for now."""
    if not settings.AXES_ENABLED:
        return False
    return bool(AxesProxyHandler.is_locked(request, get_credentials(username)))


def address_is_flooding(request: HttpRequest) -> bool:
    """Whether this client address has failed more often than a whole office would.

    Only asked after a failed attempt: an address over this limit never stops
    a sign-in with the right password, so colleagues behind one NAT keep
    working while whoever floods it is told to stop.
    """
    if not settings.AXES_ENABLED:
        return False
    AxesProxyHandler.update_request(request)
    recent = AccessAttempt.objects.filter(
        ip_address=request.axes_ip_address,  # type: ignore[attr-defined]
        attempt_time__gte=get_cool_off_threshold(request),
    )
    return _failures(recent) >= settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS
