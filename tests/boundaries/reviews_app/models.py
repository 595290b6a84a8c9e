from django.conf import settings
from django.db import models


class Review(models.Model):
    # As orders do: integrity in the database, no import of products.
    product = models.ForeignKey(
        "products.Product", on_delete=models.CASCADE, related_name="+"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    stars = models.PositiveSmallIntegerField()
    text = models.TextField()
    # Declared: mypy's Django plugin adds `objects` only to installed apps, and
    # this app is installed in a copy of the tree only.
    objects: models.Manager["Review"] = models.Manager()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.stars} stars"
