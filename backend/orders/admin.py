from django.contrib import admin

from .models import Order


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin[Order]):
    list_display = ["id", "customer", "product", "quantity", "status", "created_at"]
    list_filter = ["status", "created_at"]
    search_fields = ["customer__username", "idempotency_key"]
    list_select_related = ["customer", "product"]
    raw_id_fields = ["customer", "product"]
    readonly_fields = ["unit_price", "created_at", "updated_at"]
    ordering = ["-created_at", "-id"]
