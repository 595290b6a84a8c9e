import pytest
from django.contrib.auth.models import User

from tests.conftest import gid
from tests.factories import PASSWORD
from tests.graphql_client import GraphQLClient

NEW_ACCOUNT = {
    "username": "carol",
    "email": "carol@example.com",
    "password": "a-long-and-unusual-passphrase",
}


def test_register_creates_an_account_and_signs_in(anonymous_client):
    payload = anonymous_client.run("Register", input=NEW_ACCOUNT).data["register"]

    user = User.objects.get(username="carol")
    assert payload == {
        "__typename": "User",
        "id": gid("User", user.pk),
        "username": "carol",
        "email": "carol@example.com",
        "isStaff": False,
    }
    assert user.check_password(NEW_ACCOUNT["password"])
    assert anonymous_client.run("Me").data["me"]["username"] == "carol"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"password": "123"}, "password"),
        ({"password": "password"}, "password"),
        ({"email": "not-an-email"}, "email"),
        ({"email": ""}, "email"),
        ({"username": ""}, "username"),
        ({"username": "bad name!"}, "username"),
    ],
)
def test_register_rejects_bad_input_and_creates_nothing(
    anonymous_client, changes, field
):
    payload = anonymous_client.run("Register", input={**NEW_ACCOUNT, **changes}).data[
        "register"
    ]

    assert payload["__typename"] == "OperationInfo"
    assert {(m["field"], m["code"]) for m in payload["messages"]} == {
        (field, "VALIDATION")
    }
    assert not User.objects.exists()


def test_register_refuses_a_taken_username(anonymous_client, customer):
    payload = anonymous_client.run(
        "Register", input={**NEW_ACCOUNT, "username": "alice"}
    ).data["register"]

    assert [(m["field"], m["message"]) for m in payload["messages"]] == [
        ("username", "A user with that username already exists.")
    ]


def test_login_sets_the_session_cookie(anonymous_client, customer):
    payload = anonymous_client.run(
        "Login", input={"username": "alice", "password": PASSWORD}
    ).data["login"]

    assert payload == {
        "__typename": "User",
        "id": gid("User", customer.pk),
        "username": "alice",
        "isStaff": False,
    }
    assert "sessionid" in anonymous_client.client.cookies
    assert anonymous_client.run("Me").data["me"] == {
        "id": gid("User", customer.pk),
        "username": "alice",
        "email": "alice@example.com",
        "isStaff": False,
    }


@pytest.mark.parametrize(
    ("username", "password"), [("alice", "wrong"), ("nobody", PASSWORD)]
)
def test_login_failures_say_the_same_thing_whatever_was_wrong(
    anonymous_client, customer, username, password
):
    payload = anonymous_client.run(
        "Login", input={"username": username, "password": password}
    ).data["login"]

    assert payload["messages"] == [
        {
            "kind": "VALIDATION",
            "field": None,
            "code": "INVALID_CREDENTIALS",
            "message": "Invalid username or password.",
        }
    ]
    assert anonymous_client.run("Me").data == {"me": None}


def test_logout_ends_the_session(customer_client):
    assert customer_client.run("Logout").data == {"logout": True}

    assert customer_client.run("Me").data == {"me": None}


def test_me_is_null_for_anonymous_users(anonymous_client):
    assert anonymous_client.run("Me").data == {"me": None}


def test_users_are_private_through_node(other_customer_client, customer, staff):
    hidden = other_customer_client.execute(
        "query($id: ID!) { node(id: $id) { id } }", {"id": gid("User", customer.pk)}
    )
    seen_by_staff = (
        GraphQLClient()
        .sign_in(staff)
        .execute(
            "query($id: ID!) { node(id: $id) { ... on User { username } } }",
            {"id": gid("User", customer.pk)},
        )
    )

    assert hidden.data == {"node": None}
    assert seen_by_staff.data == {"node": {"username": "alice"}}


def test_a_malformed_global_id_is_a_clear_error_not_a_crash(anonymous_client, db):
    response = anonymous_client.run("ProductDetail", id="%%%not-base64")

    assert response.status_code == 200
    assert response.body["data"] == {"product": None}
    assert "GlobalID" in response.errors[0]["message"]
    assert response.error_codes() == ["VALIDATION"]
