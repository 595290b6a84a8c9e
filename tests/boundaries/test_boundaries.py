"""The boundary between apps holds for every app, and its checks really fail.

Each case writes a throwaway app (`backend/reviews`, with a foreign key to
products like orders has) into a copy of the tree, breaking the rule in one
way, and runs the check that must catch it: import-linter's contracts for
imports, tools.boundaries for the ORM crossing without one.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tools.boundaries import REPO, find_violations

REVIEWS_MODELS = """\
from django.db import models


class Review(models.Model):
    product = models.ForeignKey(
        "products.Product", on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField()
"""

IMPORT_VIOLATIONS = {
    "models": "from backend.products.models import Product\n",
    "services": "from backend.products import services\n",
    "selectors": "from backend.products.selectors import get_products_by_name\n",
    "graphql": "from backend.products.graphql.types import ProductType\n",
    "type-checking": (
        "from typing import TYPE_CHECKING\n\n"
        "if TYPE_CHECKING:\n"
        "    from backend.products.models import Product\n"
    ),
}

ORM_VIOLATIONS = {
    "select_related": (
        "from .models import Review\n\n"
        "def reviews():\n"
        '    return Review.objects.select_related("product")\n',
        "select_related('product') joins another app's table",
    ),
    "lookup": (
        "from .models import Review\n\n"
        "def reviews_of(name):\n"
        "    return Review.objects.filter(product__name=name)\n",
        "lookup product__name= crosses into another app",
    ),
    "attribute": (
        "def price(review):\n    return review.product.price\n",
        ".product walks into another app's model",
    ),
    "get_model": (
        "from django.apps import apps\n\n"
        "def product_model():\n"
        '    return apps.get_model("products", "Product")\n',
        "apps.get_model reaches into products's models",
    ),
    "string reference": (
        'PRODUCT = "products.Product"\n',
        "string model reference 'products.Product'",
    ),
}


def _tree_with_reviews(tmp_path: Path, services: str) -> Path:
    for package in ("backend", "schema", "config"):
        shutil.copytree(
            REPO / package,
            tmp_path / package,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    reviews = tmp_path / "backend" / "reviews"
    reviews.mkdir()
    (reviews / "__init__.py").write_text("")
    (reviews / "models.py").write_text(REVIEWS_MODELS)
    (reviews / "services.py").write_text(services)
    return tmp_path


def _lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(Path(sys.executable).parent / "lint-imports"),
            "--config",
            str(REPO / "pyproject.toml"),
            "--no-cache",
        ],
        cwd=tree,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_tree_keeps_every_import_contract():
    result = _lint_imports(REPO)

    assert result.returncode == 0, result.stdout


def test_no_app_crosses_into_another_apps_models_through_the_orm():
    assert [str(v) for v in find_violations()] == []


@pytest.mark.parametrize("kind", list(IMPORT_VIOLATIONS))
def test_a_new_app_importing_past_another_apps_api_breaks_a_contract(tmp_path, kind):
    tree = _tree_with_reviews(tmp_path, IMPORT_VIOLATIONS[kind])

    result = _lint_imports(tree)

    assert result.returncode == 1
    assert "backend.reviews is not allowed to import backend.products" in result.stdout
    assert "backend.reviews.services -> backend.products." in result.stdout


def test_a_new_app_importing_another_apps_api_keeps_the_contracts(tmp_path):
    tree = _tree_with_reviews(
        tmp_path, "from backend.products.api import MAX_STOCK_QUANTITY\n"
    )

    result = _lint_imports(tree)

    assert result.returncode == 0, result.stdout


def test_common_importing_an_app_breaks_a_contract(tmp_path):
    tree = _tree_with_reviews(tmp_path, "")
    shared = tree / "backend" / "common" / "money.py"
    shared.write_text("from backend.products.api import MAX_STOCK_QUANTITY\n")

    result = _lint_imports(tree)

    assert result.returncode == 1
    assert "backend.common is not allowed to import backend.products" in result.stdout


@pytest.mark.parametrize("kind", list(ORM_VIOLATIONS))
def test_a_new_app_reaching_another_apps_models_through_the_orm_is_found(
    tmp_path, kind
):
    source, message = ORM_VIOLATIONS[kind]
    tree = _tree_with_reviews(tmp_path, source)

    violations = find_violations(tree / "backend")

    services = tree / "backend" / "reviews" / "services.py"
    assert [(v.path, v.message) for v in violations] == [(services, message)]


def test_the_foreign_key_itself_is_the_one_allowed_string_reference(tmp_path):
    tree = _tree_with_reviews(tmp_path, "def nothing():\n    return None\n")

    assert find_violations(tree / "backend") == []
