"""A migrated, seeded database of its own, served by the production server.

    with serving_scratch_site() as site:
        site.staff.run("CreateProduct", input={...})

The database is a scratch one on DATABASE_URL's PostgreSQL server when it
points at one (`make test-postgres`), else a SQLite file in a temporary
directory; both go when the block ends, as does the server.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

from tests.support.site import scratch_database_url
from tools.graphql_http import GraphQLHttpClient
from tools.server import Server, manage, production_env, running_server

PASSWORD = "scratch-site-password-4711"
STAFF, CUSTOMER = "site-staff", "site-customer"
SEED = f"""
import json
from django.contrib.auth.models import User
from backend.products.models import Product
User.objects.create_user({STAFF!r}, password={PASSWORD!r}, is_staff=True)
User.objects.create_user({CUSTOMER!r}, password={PASSWORD!r})
product = Product.objects.create(name="Teapot", price="12.50", stock_quantity=10)
print("SEEDED " + json.dumps({{"product": product.pk}}))
"""


@dataclass
class ScratchSite:
    server: Server
    staff: GraphQLHttpClient
    customer: GraphQLHttpClient
    product_pk: int

    @property
    def origin(self) -> str:
        return f"http://{self.staff.host}:{self.server.port}"


@contextmanager
def serving_scratch_site(workers: int = 2, **settings: str) -> Iterator[ScratchSite]:
    """settings: more of the server's environment (GRAPHQL_IDE_ENABLED="1")."""
    with ExitStack() as stack:
        env = production_env(stack.enter_context(scratch_database_url()), **settings)
        manage(env, "migrate", "--noinput")
        seeded = manage(env, "shell", "-c", SEED).split("SEEDED ", 1)[1]
        server = stack.enter_context(running_server(env, workers=workers))
        staff, customer = server.client(), server.client()
        staff.login(STAFF, PASSWORD)
        customer.login(CUSTOMER, PASSWORD)
        yield ScratchSite(server, staff, customer, json.loads(seeded)["product"])
