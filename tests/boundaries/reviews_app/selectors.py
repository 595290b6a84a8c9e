from django.db.models import QuerySet

from .models import Review


def reviews_of(product_id: int) -> QuerySet[Review]:
    return Review.objects.filter(product_id=product_id)
