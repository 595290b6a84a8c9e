from django.contrib import admin

from .models import Order


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin[Order]):
    # The product's id, not the product: its data belongs to the products app
    # (its own admin shows it), and a changelist would fetch it row by row.
    list_display = ["id", "customer", "product_id", "quantity", "status", "created_at"]
    list_filter = ["status", "created_at"]
    search_fields = ["customer__username", "idempotency_key"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer", "product"]
    readonly_fields = ["unit_price", "created_at", "updated_at"]
    ordering = ["-created_at", "-id"]
