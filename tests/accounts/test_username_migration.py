"""The migration that indexes existing usernames, and refuses clashing ones."""

# Look-alike letters are what these tests are about.
# ruff: noqa: RUF001

import pytest
from django.contrib.auth.models import User
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from backend.accounts.models import CanonicalUsername

BEFORE = [("accounts", None)]
AFTER = [("accounts", "0001_canonical_username")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.fixture
def before_the_migration(transactional_db):
    migrate(BEFORE)
    yield
    migrate(BEFORE)
    # Without the table, an ORM delete (which cascades to it) cannot run.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM auth_user")
    migrate(AFTER)


def existing_accounts(*names):
    # Accounts made before the migration: bulk_create sends no signal, as
    # nothing kept a canonical name then.
    return User.objects.bulk_create(User(username=name) for name in names)


def test_existing_accounts_get_their_canonical_names(before_the_migration):
    users = existing_accounts("Alice", "bob", "ＣＡＲＯＬ", "straße")

    migrate(AFTER)

    assert dict(CanonicalUsername.objects.values_list("user_id", "name")) == {
        users[0].pk: "alice",
        users[1].pk: "bob",
        users[2].pk: "carol",
        users[3].pk: "strasse",
    }


def test_clashing_accounts_stop_the_migration_naming_each_and_what_to_do(
    before_the_migration,
):
    alice, alice_upper, _, strasse, strasse_ss = existing_accounts(
        "alice", "ALICE", "bob", "straße", "STRASSE"
    )

    with pytest.raises(CommandError) as refused:
        migrate(AFTER)

    message = str(refused.value)
    assert f"'alice' (id {alice.pk}), 'ALICE' (id {alice_upper.pk}): " in message
    assert "all read as 'alice'" in message
    assert f"'straße' (id {strasse.pk}), 'STRASSE' (id {strasse_ss.pk})" in message
    assert "bob" not in message
    assert "Rename all but one account of each group" in message
    assert "manage.py migrate" in message
    # Nothing was changed: the migration is not applied, its table not there.
    executor = MigrationExecutor(connection)
    assert AFTER[0] not in executor.loader.applied_migrations
    assert "accounts_canonicalusername" not in connection.introspection.table_names()

    User.objects.filter(pk=alice_upper.pk).update(username="alice-2")
    User.objects.filter(pk=strasse_ss.pk).update(username="strasse-2")
    migrate(AFTER)
    assert CanonicalUsername.objects.count() == 5


def test_a_name_too_long_once_normalized_stops_the_migration(before_the_migration):
    [user] = existing_accounts("\ufdfa" * 10)

    with pytest.raises(CommandError, match=f"id {user.pk}.*180 characters"):
        migrate(AFTER)
