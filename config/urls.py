"""URL routes: the GraphQL endpoint and the admin."""

from django.contrib import admin
from django.urls import path

from schema.views import graphql_view

urlpatterns = [
    path("admin/", admin.site.urls),
    path("graphql/", graphql_view, name="graphql"),
]

# API clients get JSON, not an HTML page, when a request fails outside GraphQL.
handler400 = "schema.http.bad_request"
handler500 = "schema.server_error.server_error"
