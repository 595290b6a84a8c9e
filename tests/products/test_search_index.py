"""On PostgreSQL, name search is served by the trigram index, not a full scan."""

import pytest
from django.db import connection

from backend.products.selectors import get_products_by_name
from tests.factories import ProductFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a PostgreSQL index (pg_trgm)"
)


@pytest.mark.django_db
def test_a_case_insensitive_substring_search_uses_the_trigram_index():
    ProductFactory.create(name="Copper samovar")
    ProductFactory.create(name="Teapot")
    with connection.cursor() as cursor:
        # A table this small is cheaper to scan, or to walk in a B-tree's
        # order: forbid both, to see whether an index can serve the condition
        # Django writes (else the disabled scan is still what the plan shows).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")

    plan = get_products_by_name("SAMO").order_by().explain()
    names = list(get_products_by_name("SAMO").values_list("name", flat=True))

    assert "product_name_upper_trgm_idx" in plan
    assert names == ["Copper samovar"]
