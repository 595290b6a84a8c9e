from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, OutputWrapper
from tqdm import tqdm

from backend.demo import seed


class _Unterminated:
    """Hand tqdm's carriage-return redraws to an OutputWrapper without newlines."""

    def __init__(self, wrapper: OutputWrapper) -> None:
        self._wrapper = wrapper

    def write(self, text: str) -> None:
        self._wrapper.write(text, style_func=lambda styled: styled, ending="")

    def flush(self) -> None:
        self._wrapper.flush()

    def isatty(self) -> bool:
        return self._wrapper.isatty()


def _count(value: str) -> int:
    if not value.isdigit():
        raise ArgumentTypeError(f"expected a whole number, 0 or more: {value!r}")
    return int(value)


class Command(BaseCommand):
    help = (
        "Load demo users, products and orders for local use (needs DEBUG=1). "
        "Idempotent: a second run creates nothing."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--products",
            type=_count,
            default=seed.DEFAULT_PRODUCTS,
            help="Products in the demo catalogue (default %(default)s).",
        )
        parser.add_argument(
            "--orders",
            type=_count,
            default=seed.DEFAULT_ORDERS,
            help="Orders by the demo customers (default %(default)s).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=seed.DEFAULT_SEED,
            help="Random seed: the same seed, the same data (default %(default)s).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            # The passwords below are printed and public: keep them off real servers.
            raise CommandError(
                "seed_demo creates a superuser with a published password; it runs "
                "only with DEBUG on (export DEBUG=1 for local use)."
            )
        products: int = options["products"]
        orders: int = options["orders"]
        if orders and not products:
            raise CommandError("Orders need products: ask for at least one product.")
        with tqdm(
            total=products + orders,
            desc="Seeding demo data",
            unit="row",
            file=_Unterminated(self.stderr),
            disable=None,  # no bar when stderr is not a terminal
            leave=False,
        ) as bar:
            result = seed.seed_demo(
                products=products,
                orders=orders,
                seed=options["seed"],
                progress=bar.update,
            )
        self._report(result)

    def _report(self, result: seed.SeedResult) -> None:
        extras = seed.demo_customer_usernames()[1:]
        if result.created_anything:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Created {result.users_created} users, "
                    f"{result.products_created} products and "
                    f"{result.orders_created} orders."
                )
            )
        else:
            self.stdout.write(
                self.style.SUCCESS("Demo data is already there: nothing created.")
            )
        statuses = ", ".join(
            f"{count} {status}" for status, count in result.orders_by_status.items()
        )
        self.stdout.write(
            f"Demo catalogue: {result.products} products. "
            f"Demo customers: {result.customers}, with {result.orders} orders "
            f"({statuses})."
        )
        self.stdout.write(
            self.style.WARNING(
                "\nDemo credentials, for LOCAL USE ONLY (public, never on a server):"
            )
        )
        admin = (
            f"also for the admin at http://127.0.0.1:8000/{settings.ADMIN_URL}"
            if settings.ADMIN_URL
            else "the admin is off: ADMIN_URL is empty"
        )
        self.stdout.write(
            f"  staff:    {seed.STAFF_USERNAME} / {seed.STAFF_PASSWORD}"
            f"  (staff and superuser; {admin})\n"
            f"  customer: {seed.CUSTOMER_USERNAME} / {seed.CUSTOMER_PASSWORD}"
            f"  (same password for {extras[0]}..{extras[-1]})"
        )
        if result.users_kept:
            self.stdout.write(
                f"  {result.users_kept} of these users already existed and were left "
                "as they were: their passwords may differ."
            )
        self.stdout.write("")
        self.stdout.write("Open http://127.0.0.1:8000/graphql/")
