"""URL routes: the GraphQL endpoint and the admin."""

from django.contrib import admin
from django.urls import path

from schema.views import graphql_view

urlpatterns = [
    path("admin/", admin.site.urls),
    path("graphql/", graphql_view, name="graphql"),
]
