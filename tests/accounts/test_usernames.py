"""One account per name, whatever its case or Unicode form (README, Security)."""

# Look-alike letters are what these tests are about.
# ruff: noqa: RUF001

import sys
import time
import unicodedata
from threading import Event, Thread

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction

from backend.accounts import services
from backend.accounts.models import CanonicalUsername
from backend.accounts.usernames import canonical_username
from tests.factories import PASSWORD, UserFactory
from tests.graphql_client import GraphQLClient

TAKEN = {
    "kind": "VALIDATION",
    "field": "username",
    "message": "A user with that username already exists.",
    "code": "VALIDATION",
}
COMBINING_ACUTE = "\u0301"
PW = "a-long-and-unusual-passphrase"


def register(username):
    account = {
        "username": username,
        "email": "someone@example.com",
        "password": "a-long-and-unusual-passphrase",
    }
    return GraphQLClient().run("Register", input=account).data["register"]


def login(username, password=PASSWORD):
    credentials = {"username": username, "password": password}
    return GraphQLClient().run("Login", input=credentials).data["login"]


@pytest.mark.parametrize(
    ("existing", "confusable"),
    [
        ("customer", "Customer"),
        ("customer", "CUSTOMER"),
        ("Customer", "customer"),
        ("customer", "ｃｕｓｔｏｍｅｒ"),  # fullwidth
        ("customer", "ＣＵＳＴＯＭＥＲ"),
        ("josé", "JOSÉ"),
        ("fiona", "ﬁona"),  # ligature
        ("ﬁona", "FIONA"),
        ("straße", "strasse"),  # sharp s folds to ss
        ("straße", "STRASSE"),
        ("strasse", "STRAẞE"),  # capital sharp s
        ("ǆemal", "Ǆemal"),  # one-letter digraphs: lower, title, upper
        ("ǆemal", "ǅemal"),
        ("user1", "user¹"),  # superscript digit
        ("ωmega", "Ωmega"),
        ("Ωmega", "Ωmega"),  # ohm sign vs omega
        ("kelvin", "Kelvin"),  # kelvin sign
        ("mr_x", "ＭＲ_Ｘ"),
    ],
)
def test_a_confusable_name_cannot_register(db, existing, confusable):
    UserFactory.create(username=existing)

    assert register(confusable) == {"__typename": "OperationInfo", "messages": [TAKEN]}
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("existing", "distinct"),
    [
        ("jose", "josé"),  # an accent is a different letter, not a form
        ("customer", "customer2"),
        ("anna", "ana"),
        ("i", "ı"),  # dotless i is its own letter
    ],
)
def test_different_names_still_register(db, existing, distinct):
    UserFactory.create(username=existing)

    assert register(distinct)["username"] == distinct


def test_the_account_keeps_the_name_as_its_owner_typed_it(db):
    assert register("McCoy")["username"] == "McCoy"

    assert CanonicalUsername.objects.get().name == "mccoy"
    assert User.objects.get().username == "McCoy"


@pytest.mark.parametrize(
    "form",
    ["alice", "Alice", "ALICE", "ａｌｉｃｅ", "ＡＬＩＣＥ", "aLiCe"],
)
def test_any_form_of_the_name_signs_in(customer, form):
    assert login(form) == {
        "__typename": "User",
        "id": login("alice")["id"],
        "username": "alice",
        "isStaff": False,
    }


def test_a_combining_accent_signs_in_as_the_precomposed_letter(db):
    # Registration refuses combining marks (not letters), sign-in folds them.
    UserFactory.create(username="josé")

    assert login(f"JOSE{COMBINING_ACUTE}")["username"] == "josé"
    assert register(f"jose{COMBINING_ACUTE}")["__typename"] == "OperationInfo"


def test_a_wrong_password_fails_whatever_the_form_of_the_name(customer):
    assert login("ALICE", "wrong")["messages"][0]["code"] == "INVALID_CREDENTIALS"


@pytest.fixture
def small_limits(settings):
    settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT_AND_ADDRESS = 3
    settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT = 100
    settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 100


def test_failures_under_every_form_share_one_counter(customer, small_limits):
    # The limit is 3: spread over three spellings they still lock the account.
    for form in ("alice", "Alice"):
        assert login(form, "wrong")["messages"][0]["code"] == "INVALID_CREDENTIALS"
    assert login("ａｌｉｃｅ", "wrong")["messages"][0]["code"] == "TOO_MANY_ATTEMPTS"

    assert login("ALICE")["messages"][0]["code"] == "TOO_MANY_ATTEMPTS"
    assert login("alice")["messages"][0]["code"] == "TOO_MANY_ATTEMPTS"


def test_an_unknown_name_is_locked_under_every_form_too(db, small_limits):
    for form in ("nobody", "NOBODY", "ｎｏｂｏｄｙ"):
        login(form, "wrong")

    assert login("Nobody", "wrong")["messages"][0]["code"] == "TOO_MANY_ATTEMPTS"


def test_a_name_longer_than_the_limit_once_normalized_is_refused(db):
    # U+FDFA is one character that NFKC spells out in 18: 10 of them make 180.
    payload = register("\ufdfa" * 10)

    assert payload["__typename"] == "OperationInfo"
    assert [(m["field"], m["code"]) for m in payload["messages"]] == [
        ("username", "VALIDATION")
    ]
    assert "150" in payload["messages"][0]["message"]
    assert not User.objects.exists()
    assert login("\ufdfa" * 10)["messages"][0]["code"] == "INVALID_CREDENTIALS"


def test_every_user_saved_gets_its_canonical_name_and_keeps_it_current(db):
    user = User.objects.create_user("Quinn", password=PASSWORD)
    assert CanonicalUsername.objects.get(user=user).name == "quinn"

    user.username = "QuinnTwo"
    user.save()

    assert CanonicalUsername.objects.get(user=user).name == "quinntwo"
    assert login("quinntwo")["username"] == "QuinnTwo"


def test_the_canonical_form_is_stable_for_every_code_point():
    # canonical(canonical(x)) == canonical(x): a stored name matches itself.
    for point in range(sys.maxunicode + 1):
        if 0xD800 <= point <= 0xDFFF:
            continue
        once = canonical_username(chr(point))
        assert canonical_username(once) == once, hex(point)


def test_the_canonical_form_is_nfkc_of_the_case_fold():
    assert canonical_username("ＳＴＲＡẞＥ") == "strasse"
    assert canonical_username("Ǆ") == "dž"
    assert unicodedata.is_normalized("NFKC", canonical_username("JOSE\u0301"))


@pytest.mark.django_db(transaction=True)
def test_a_registration_racing_past_the_check_loses_to_the_unique_index():
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers (PostgreSQL)")
    first_saved, blocked_seen = Event(), Event()

    def register_first_and_commit_once_the_other_waits():
        try:
            with transaction.atomic():
                services.register_user(username="Gale", email="g@x.org", password=PW)
                first_saved.set()
                # Commit only once the second registration, which could not see
                # this uncommitted account, is waiting on the unique index.
                with connection.cursor() as cursor:
                    for _ in range(200):
                        cursor.execute("SELECT pg_stat_clear_snapshot()")
                        cursor.execute(
                            "SELECT count(*) FROM pg_stat_activity"
                            " WHERE wait_event_type = 'Lock' AND datname = %s",
                            [connection.settings_dict["NAME"]],
                        )
                        if cursor.fetchone()[0]:
                            blocked_seen.set()
                            break
                        time.sleep(0.05)
        finally:
            connections.close_all()

    first = Thread(target=register_first_and_commit_once_the_other_waits)
    first.start()
    assert first_saved.wait(10)
    with pytest.raises(ValidationError) as refused:
        services.register_user(username="gale", email="h@x.org", password=PW)
    first.join(10)

    assert blocked_seen.is_set()
    assert refused.value.message_dict == {"username": [TAKEN["message"]]}
    assert list(User.objects.values_list("username", flat=True)) == ["Gale"]
    assert list(CanonicalUsername.objects.values_list("name", flat=True)) == ["gale"]
