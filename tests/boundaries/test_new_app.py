"""The README's "to add a new app" row, followed for real in a copy of the tree.

tests/boundaries/reviews_app/ is a whole app written from that row (models,
errors, selectors, services, api, graphql); the test installs it as
backend/reviews in a copy of the repository, makes the two edits the row
names (INSTALLED_APPS, the schema merge), and shows that the migration is
made, the boundary checks pass with no edit to pyproject.toml, and the API
serves the app's mutation (with its own error code) and list.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tools.boundaries import REPO

APP = Path(__file__).resolve().parent / "reviews_app"
BIN = Path(sys.executable).parent

CREATE = """
mutation ($input: CreateReviewInput!) {
  createReview(input: $input) {
    __typename
    ... on Review { stars text }
    ... on OperationInfo { messages { field code } }
  }
}
"""
LIST = "{ reviews(first: 5) { totalCount edges { node { stars } } } }"

CLIENT = f"""
import json

import django

django.setup()
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from strawberry import relay

from backend.products.models import Product

call_command("migrate", verbosity=0)
user = User.objects.create(username="reviewer")
product = Product.objects.create(name="Teapot", price="1.00")
client = Client()
client.force_login(user)
product_id = str(relay.GlobalID("Product", str(product.pk)))


def run(query, **variables):
    body = json.dumps({{"query": query, "variables": variables}})
    return client.post("/graphql/", body, content_type="application/json").json()


good = {{"productId": product_id, "stars": 5, "text": "Pours well."}}
print(json.dumps([
    run({CREATE!r}, input=good),
    run({CREATE!r}, input={{**good, "stars": 9}}),
    run({LIST!r}),
]))
"""


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{path}: the README's row no longer fits ({old!r})"
    path.write_text(text.replace(old, new, 1))


def _tree_with_the_new_app(root: Path) -> Path:
    for package in ("backend", "schema", "config", "tools"):
        shutil.copytree(
            REPO / package, root / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    for name in ("manage.py", "pyproject.toml"):
        shutil.copy(REPO / name, root / name)
    shutil.copytree(APP, root / "backend" / "reviews")
    # The two edits outside the app that the README's row names.
    _edit(
        root / "config" / "settings.py",
        '    "backend.orders",\n',
        '    "backend.orders",\n    "backend.reviews",\n',
    )
    merge = root / "schema" / "schema.py"
    _edit(
        merge,
        "from schema.limits.extensions",
        "from backend.reviews.graphql.schema import ReviewMutations, ReviewQueries\n"
        "from schema.limits.extensions",
    )
    _edit(merge, "OrderQueries)", "OrderQueries, ReviewQueries)")
    _edit(merge, "OrderMutations)", "OrderMutations, ReviewMutations)")
    return root


def _run(root: Path, *command: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DATABASE_REPLICA_URL", "REDIS_URL"}
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "1",
        "ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": f"sqlite:///{root}/db.sqlite3",
        "PYTHONPATH": str(root),
    }
    return subprocess.run(
        command, cwd=root, env=env, capture_output=True, text=True, check=False
    )


def test_a_new_app_made_as_the_readme_says_is_guarded_and_served(tmp_path):
    root = _tree_with_the_new_app(tmp_path)

    migration = _run(root, sys.executable, "manage.py", "makemigrations", "reviews")
    contracts = _run(root, str(BIN / "lint-imports"), "--no-cache")
    crossings = _run(root, sys.executable, "-m", "tools.boundaries")
    served = _run(root, sys.executable, "-c", CLIENT)

    assert migration.returncode == 0, migration.stderr
    assert (root / "backend/reviews/migrations/0001_initial.py").exists()
    assert contracts.returncode == 0, contracts.stdout
    assert (
        "backend.reviews"
        in _run(root, str(BIN / "lint-imports"), "--no-cache", "--verbose").stdout
    )
    assert crossings.returncode == 0, crossings.stdout
    assert served.returncode == 0, served.stderr
    created, refused, listed = json.loads(served.stdout.splitlines()[-1])
    assert created["data"] == {
        "createReview": {"__typename": "Review", "stars": 5, "text": "Pours well."}
    }
    assert refused["data"]["createReview"]["messages"] == [
        {"field": "stars", "code": "STARS_OUT_OF_RANGE"}
    ]
    assert listed["data"] == {
        "reviews": {"totalCount": 1, "edges": [{"node": {"stars": 5}}]}
    }
