from collections import defaultdict
from typing import Any

import django.db.models.deletion
from django.conf import settings
from django.core.management.base import CommandError
from django.db import migrations, models

from backend.accounts.usernames import MAX_LENGTH, canonical_username


def _describe(accounts: list[tuple[int, str]]) -> str:
    return ", ".join(f"{name!r} (id {pk})" for pk, name in accounts)


def index_existing_usernames(apps: Any, schema_editor: Any) -> None:
    """Give every account its canonical name; refuse if two accounts share one."""
    database = schema_editor.connection.alias
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    canonical_model = apps.get_model("accounts", "CanonicalUsername")
    accounts = defaultdict(list)
    rows = user_model.objects.using(database).order_by("pk")
    for pk, username in rows.values_list("pk", "username").iterator():
        accounts[canonical_username(username)].append((pk, username))
    clashes = [
        f"  {_describe(group)}: all read as {name!r}"
        for name, group in accounts.items()
        if len(group) > 1
    ]
    too_long = [
        f"  {_describe(group)}: {len(name)} characters once normalized"
        for name, group in accounts.items()
        if len(name) > MAX_LENGTH
    ]
    if clashes or too_long:
        raise CommandError(
            "Usernames must now be unique regardless of case and Unicode form "
            f"(and at most {MAX_LENGTH} characters once normalized), and these "
            "accounts are not:\n"
            + "\n".join(clashes + too_long)
            + "\nRename all but one account of each group, or merge them (their "
            "orders with them), e.g. in `manage.py shell`: "
            "User.objects.filter(pk=ID).update(username='NEW-NAME'); "
            "then run `manage.py migrate` again. Nothing was changed."
        )
    canonical_model.objects.using(database).bulk_create(
        (
            canonical_model(user_id=group[0][0], name=name)
            for name, group in accounts.items()
        ),
        batch_size=1000,
    )


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.CreateModel(
            name="CanonicalUsername",
            fields=[
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="canonical_username",
                        serialize=False,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                ("name", models.CharField(max_length=150, unique=True)),
            ],
        ),
        migrations.RunPython(index_existing_usernames, migrations.RunPython.noop),
    ]
