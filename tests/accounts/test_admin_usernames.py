"""The admin keeps to one account per name too, and signs staff in under any form."""

# Look-alike letters are what these tests are about.
# ruff: noqa: RUF001

import pytest
from django.contrib.auth.models import User
from django.test import Client

from backend.accounts.models import CanonicalUsername
from tests.factories import PASSWORD, UserFactory


def admin_client() -> Client:
    UserFactory.create(username="Root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(User.objects.get(username="Root"))
    return client


@pytest.mark.parametrize(
    ("existing", "confusable"), [("straße", "STRASSE"), ("émile", "ÉMILE")]
)
def test_the_admin_refuses_to_add_a_confusable_user(
    db, admin_served, existing, confusable
):
    UserFactory.create(username=existing)
    client = admin_client()

    response = client.post(
        f"{admin_served}auth/user/add/",
        {
            "username": confusable,
            "usable_password": "true",
            "password1": "x-long-passphrase-9",
            "password2": "x-long-passphrase-9",
        },
    )

    assert response.status_code == 200  # the form again, with its error
    assert "A user with that username already exists." in response.content.decode()
    assert not User.objects.filter(username=confusable).exists()


def test_the_admin_refuses_to_rename_a_user_to_a_confusable_name(
    admin_served, customer, other_customer
):
    client = admin_client()
    page = client.get(f"{admin_served}auth/user/{other_customer.pk}/change/")
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(username="Alice", date_joined_0="2026-01-01", date_joined_1="00:00")
    data.pop("password", None)
    data.pop("groups", None)
    data.pop("user_permissions", None)
    data.pop("last_login", None)

    response = client.post(f"{admin_served}auth/user/{other_customer.pk}/change/", data)

    assert "A user with that username already exists." in response.content.decode()
    other_customer.refresh_from_db()
    assert other_customer.username == "bob"
    assert CanonicalUsername.objects.get(user=other_customer).name == "bob"


def test_staff_sign_in_to_the_admin_under_any_form_of_their_name(admin_served, db):
    UserFactory.create(username="Staffer", is_staff=True)
    client = Client()

    response = client.post(
        f"{admin_served}login/",
        {"username": "ＳＴＡＦＦＥＲ", "password": PASSWORD, "next": admin_served},
    )

    assert response.status_code == 302
    assert client.get(admin_served).status_code == 200
