"""Production routes plus the plain-Django baseline the benchmarks compare with."""

from django.urls import path

from config.urls import urlpatterns as production_urlpatterns

from .baseline import my_orders
from .connections import connections_opened

urlpatterns = [
    *production_urlpatterns,
    path("bench/my-orders/", my_orders, name="bench-my-orders"),
    path("bench/connections/", connections_opened, name="bench-connections"),
]
