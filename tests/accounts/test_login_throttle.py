"""Repeated failed sign-ins are throttled per account+address, per account and
per address; the address-only limit never stops a sign-in that succeeds."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.utils import timezone

from tests.factories import PASSWORD
from tests.graphql_client import GraphQLClient
from tools.contract import operation

TOO_MANY = {
    "kind": "VALIDATION",
    "field": None,
    "code": "TOO_MANY_ATTEMPTS",
    "message": "Too many failed sign-in attempts; try again in 15 minutes.",
}


@pytest.fixture(autouse=True)
def small_limits(settings):
    # The defaults (5, 20, 100) would make these tests slow; the rule is the same.
    settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT_AND_ADDRESS = 3
    settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT = 5
    settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 8


def sign_in(username, password, address="10.0.0.1"):
    """A fresh client per attempt, as a script hammering the endpoint would be."""
    response = GraphQLClient().execute(
        operation("Login"),
        {"input": {"username": username, "password": password}},
        REMOTE_ADDR=address,
    )
    return response.data["login"]


def fail(username, times, address="10.0.0.1"):
    for _ in range(times):
        assert sign_in(username, "wrong", address)["messages"][0]["code"] in {
            "INVALID_CREDENTIALS",
            "TOO_MANY_ATTEMPTS",
        }


def test_the_defaults_are_5_per_account_and_address_20_per_account_100_per_address():
    from config import settings as defaults

    assert (
        defaults.LOGIN_FAILURE_LIMIT_PER_ACCOUNT_AND_ADDRESS,
        defaults.LOGIN_FAILURE_LIMIT_PER_ACCOUNT,
        defaults.LOGIN_FAILURE_LIMIT_PER_ADDRESS,
    ) == (5, 20, 100)


def test_failures_below_the_limit_still_allow_the_right_password(customer):
    fail("alice", 2)

    assert sign_in("alice", PASSWORD)["__typename"] == "User"


def test_an_account_is_locked_for_an_address_after_repeated_failures(customer):
    fail("alice", 2)

    third = sign_in("alice", "wrong")
    right_password = sign_in("alice", PASSWORD)
    elsewhere = sign_in("alice", PASSWORD, address="10.0.0.2")

    assert third["messages"] == [TOO_MANY]
    assert right_password["messages"] == [TOO_MANY]
    assert elsewhere["__typename"] == "User"


def test_an_unknown_username_is_locked_the_same_way(db):
    fail("nobody", 3)

    assert sign_in("nobody", "wrong")["messages"] == [TOO_MANY]


def test_an_account_is_locked_everywhere_after_failures_from_many_addresses(customer):
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        fail("alice", 2, address=address)

    assert sign_in("alice", PASSWORD, address="10.0.0.9")["messages"] == [TOO_MANY]


def test_a_busy_address_is_told_to_stop_but_never_shut_out(customer, other_customer):
    for index in range(4):
        fail(f"user{index}", 2)

    failing = sign_in("bob", "wrong")
    succeeding = sign_in("alice", PASSWORD)

    assert failing["messages"] == [TOO_MANY]
    assert succeeding["__typename"] == "User"


def test_the_lock_lifts_when_the_window_has_passed(customer):
    fail("alice", 3)
    window = settings.LOGIN_FAILURE_WINDOW

    AccessAttempt.objects.update(attempt_time=timezone.now() - window - timedelta(1))

    assert sign_in("alice", PASSWORD)["__typename"] == "User"


def test_attempts_refused_during_a_lock_do_not_extend_it(customer):
    fail("alice", 3)

    fail("alice", 5)

    assert AccessAttempt.objects.get().failures_since_start == 3


def test_an_overlong_username_is_invalid_without_touching_the_records(db):
    payload = sign_in("x" * 151, "wrong")

    assert payload["messages"][0]["code"] == "INVALID_CREDENTIALS"
    assert not AccessAttempt.objects.exists()
