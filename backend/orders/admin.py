from django.contrib import admin
from django.http import HttpRequest

from .models import Order


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin[Order]):
    # The product's id only, never the product: its data belongs to the
    # products app (its own admin shows it). A raw-id widget for the foreign
    # key would read the product's row to print its name.
    list_display = ["id", "customer", "product_id", "quantity", "status", "created_at"]
    list_filter = ["status", "created_at"]
    search_fields = ["customer__username", "idempotency_key"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer"]
    exclude = ["product"]
    readonly_fields = ["product_id", "unit_price", "created_at", "updated_at"]
    ordering = ["-created_at", "-id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Orders are placed through createOrder, which reserves their stock;
        # an admin form would not, and cannot choose a product here.
        return False
