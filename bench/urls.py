"""Production routes plus the plain-Django baselines the benchmarks compare with."""

from django.urls import path

from config.urls import urlpatterns as production_urlpatterns

from . import baseline
from .connections import connections_opened
from .loadgen import baseline_path

# One baseline per contract operation the benchmark times, at /bench/<Name>/.
BASELINES = {
    "MyOrders": baseline.my_orders,
    "CatalogPage": baseline.catalog_page,
    "SearchProducts": baseline.search_products,
    "ProductDetail": baseline.product_detail,
    "PlaceOrder": baseline.place_order,
}


urlpatterns = [
    *production_urlpatterns,
    *(path(baseline_path(name).lstrip("/"), view) for name, view in BASELINES.items()),
    path("bench/connections/", connections_opened, name="bench-connections"),
]
