"""URL routes: the GraphQL endpoint and, where ADMIN_URL puts it, the admin."""

from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, path

from schema.views import graphql_view

urlpatterns: list[URLPattern | URLResolver] = [
    path("graphql/", graphql_view, name="graphql"),
]
if settings.ADMIN_URL:
    urlpatterns.append(path(settings.ADMIN_URL, admin.site.urls))

# API clients get JSON, not an HTML page, when a request fails outside GraphQL.
handler400 = "schema.http.bad_request"
handler500 = "schema.server_error.server_error"
