"""The production server (gunicorn, DEBUG off) with a customer and a product.

with serving_site(GRAPHQL_IDE_ENABLED="1") as site:
    page.goto(site.url("/graphql/"))
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from tests.support.site import migrated_database
from tools.graphql_http import HOST
from tools.server import Server, manage, running_server

USERNAME = "frontend-customer"
PASSWORD = "frontend-password-4711"
SEED = f"""
import json
from django.contrib.auth.models import User
from backend.products.models import Product
User.objects.create_user({USERNAME!r}, password={PASSWORD!r})
product = Product.objects.create(name="Teapot", price="12.50", stock_quantity=10)
print("SEEDED " + json.dumps({{"product": product.pk}}))
"""


@dataclass
class Site:
    server: Server
    product_pk: int

    @property
    def origin(self) -> str:
        return f"http://{HOST}:{self.server.port}"

    def url(self, path: str) -> str:
        return self.origin + path


@contextmanager
def serving_site(**env: str) -> Iterator[Site]:
    with migrated_database(**env) as production:
        seeded = manage(production, "shell", "-c", SEED).split("SEEDED ", 1)[1]
        with running_server(production, workers=1) as server:
            yield Site(server, json.loads(seeded)["product"])
