"""What import-linter cannot see at an app's boundary: the ORM crossing it.

An app reaches another app's data through that app's `api` module only. The
import contracts (pyproject.toml) catch imports; this catches the ways the
ORM crosses without one:

- a lookup or join across a foreign key to another app's model:
  `select_related("product")`, `filter(product__name=...)`, `order.product`;
- `apps.get_model("products", "Product")` (or `"products.Product"`);
- a string model reference to another app ("products.Product") anywhere but
  as the target of a relation field in the app's own models.py.

Run it with `python -m tools.boundaries`; tests/boundaries/ runs it too.
"""

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Packages under backend/ that are not apps: shared code, no models.
NOT_APPS = frozenset({"common"})
RELATION_FIELDS = frozenset({"ForeignKey", "OneToOneField", "ManyToManyField"})
# QuerySet methods and expressions whose string arguments name fields.
FIELD_NAMING_CALLS = frozenset(
    {
        "select_related",
        "prefetch_related",
        "only",
        "defer",
        "values",
        "values_list",
        "order_by",
        "distinct",
        "F",
        "Prefetch",
        "Count",
        "Sum",
        "Max",
        "Min",
        "Avg",
    }
)
# ModelAdmin options whose strings name fields (and make it join or load).
FIELD_NAMING_OPTIONS = frozenset(
    {
        "list_display",
        "list_select_related",
        "list_filter",
        "search_fields",
        "raw_id_fields",
        "autocomplete_fields",
        "fields",
        "readonly_fields",
        "ordering",
    }
)


@dataclass(frozen=True)
class Violation:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def _apps(backend: Path) -> list[str]:
    return sorted(
        child.name
        for child in backend.iterdir()
        if (child / "__init__.py").exists() and child.name not in NOT_APPS
    )


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _other_app(reference: str, app: str, apps: list[str]) -> str | None:
    """The app a "label.Model" string names, when it is another of ours."""
    label, dot, model = reference.partition(".")
    if dot and model.isidentifier() and label in apps and label != app:
        return label
    return None


def cross_app_relations(backend: Path, app: str, apps: list[str]) -> set[str]:
    """Names of the app's relation fields that point into another app."""
    models = backend / app / "models.py"
    if not models.exists():
        return set()
    relations: set[str] = set()
    for node in ast.walk(ast.parse(models.read_text())):
        if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)):
            continue
        call = node.value
        if _name(call.func) not in RELATION_FIELDS or not call.args:
            continue
        reference = _text(call.args[0])
        if reference and _other_app(reference, app, apps):
            relations.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return relations


def _text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _crosses(text: str, relations: set[str]) -> bool:
    head = text.lstrip("-").split("__")[0]
    return head in relations


class _AppChecker(ast.NodeVisitor):
    def __init__(
        self, path: Path, app: str, apps: list[str], relations: set[str]
    ) -> None:
        self.path, self.app, self.apps, self.relations = path, app, apps, relations
        self.is_models = path.name == "models.py"
        self.violations: list[Violation] = []

    def _report(self, node: ast.AST, message: str) -> None:
        line = getattr(node, "lineno", 0)
        self.violations.append(Violation(self.path, line, message))

    def visit_Call(self, node: ast.Call) -> None:
        name = _name(node.func)
        strings = [text for arg in node.args if (text := _text(arg)) is not None]
        if name == "get_model" and strings:
            label = strings[0].partition(".")[0]
            if label in self.apps and label != self.app:
                self._report(node, f"apps.get_model reaches into {label}'s models")
        if name in FIELD_NAMING_CALLS:
            for text in strings:
                if _crosses(text, self.relations):
                    self._report(node, f"{name}({text!r}) joins another app's table")
        for keyword in node.keywords:
            if (
                keyword.arg
                and "__" in keyword.arg
                and _crosses(keyword.arg, self.relations)
            ):
                self._report(node, f"lookup {keyword.arg}= crosses into another app")
        relation_target = self.is_models and name in RELATION_FIELDS and bool(node.args)
        for index, arg in enumerate(node.args):
            # The one place a string model reference to another app belongs.
            if relation_target and index == 0:
                continue
            self._check_reference(arg)
        for keyword in node.keywords:
            self._check_reference(keyword.value)
        self.generic_visit(node)

    def _check_reference(self, node: ast.expr) -> None:
        text = _text(node)
        if text and _other_app(text, self.app, self.apps):
            self._report(node, f"string model reference {text!r}")

    def visit_Assign(self, node: ast.Assign) -> None:
        names = {t.id for t in node.targets if isinstance(t, ast.Name)}
        options = isinstance(node.value, ast.List | ast.Tuple)
        if names & FIELD_NAMING_OPTIONS and options:
            for item in node.value.elts:  # type: ignore[attr-defined]
                text = _text(item)
                if text and _crosses(text, self.relations):
                    self._report(item, f"admin option names {text!r}")
        self._check_reference(node.value)
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        # Writing `order.product` loads (or joins) the other app's row; its id
        # is the column `product_id`, which is the app's own.
        if node.attr in self.relations:
            self._report(node, f".{node.attr} walks into another app's model")
        self.generic_visit(node)


def _modules(app_dir: Path) -> Iterator[Path]:
    for path in sorted(app_dir.rglob("*.py")):
        if "migrations" not in path.relative_to(app_dir).parts:
            yield path


def find_violations(backend: Path = REPO / "backend") -> list[Violation]:
    """Every place an app's code crosses into another app's models."""
    apps = _apps(backend)
    violations: list[Violation] = []
    for app in apps:
        relations = cross_app_relations(backend, app, apps)
        for path in _modules(backend / app):
            checker = _AppChecker(path, app, apps, relations)
            checker.visit(ast.parse(path.read_text(), filename=str(path)))
            violations.extend(checker.violations)
    return violations


def main() -> int:
    violations = find_violations()
    for violation in violations:
        print(violation)
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
