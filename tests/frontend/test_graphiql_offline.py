"""GraphiQL in a real browser with the internet cut off.

The production server (gunicorn, DEBUG off) with GRAPHQL_IDE_ENABLED and
introspection on serves the page and every asset (WhiteNoise); Chromium may
reach loopback only.
"""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.support.scratch_site import (
    CUSTOMER,
    PASSWORD,
    ScratchSite,
    serving_scratch_site,
)

from .browser import OfflineContext


@pytest.fixture(scope="module")
def site() -> Iterator[ScratchSite]:
    with serving_scratch_site(
        GRAPHQL_IDE_ENABLED="1", GRAPHQL_INTROSPECTION_ENABLED="1"
    ) as serving:
        yield serving


def open_graphiql(offline: OfflineContext, site: ScratchSite) -> Page:
    page = offline.new_page()
    page.goto(site.origin + "/graphql/")
    expect(page.locator(".graphiql-query-editor .CodeMirror")).to_be_visible()
    return page


def run_typed(page: Page, document: str, shows: str) -> str:
    """Type the document into the editor, run it, wait for the result pane to
    show `shows` (what only this document's answer has: the pane still holds
    the previous one), return the pane's text."""
    page.locator(".graphiql-query-editor .CodeMirror").click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    # insert_text, not type: the editor closes brackets as a person types them.
    page.keyboard.insert_text(document)
    page.get_by_label("Execute query (Ctrl-Enter)").click()
    result = page.locator(".graphiql-response .CodeMirror-code")
    expect(result).to_contain_text(shows)
    return result.inner_text()


def test_graphiql_renders_and_runs_a_typed_query_offline(offline, site):
    page = open_graphiql(offline, site)

    result = run_typed(
        page,
        "{ products(first: 5) { totalCount edges { node { name } } } }",
        shows='"products"',
    )

    assert '"totalCount": 1' in result
    assert '"name": "Teapot"' in result
    assert offline.blocked == []


def test_the_docs_explorer_opens_on_the_schema(offline, site):
    page = open_graphiql(offline, site)

    page.get_by_label("Show Documentation Explorer").click()

    explorer = page.locator(".graphiql-doc-explorer")
    expect(explorer).to_contain_text("Query")
    explorer.get_by_text("Query", exact=True).first.click()
    expect(explorer).to_contain_text("products")
    assert offline.blocked == []


def test_a_login_inside_graphiql_then_me_works_without_a_reload(offline, site):
    page = open_graphiql(offline, site)
    login = (
        f'mutation {{ login(input: {{username: "{CUSTOMER}", '
        f'password: "{PASSWORD}"}}) {{ __typename ... on User {{ username }} }} }}'
    )

    anonymous = run_typed(page, "{ me { username } }", shows='"me"')
    signed_in = run_typed(page, login, shows='"login"')
    # The token rotated on login: a page that read it once gets CSRF_FAILED
    # here, and the pane never shows `"me": {`.
    me = run_typed(page, "{ me { username } }", shows='"me": {')

    assert '"me": null' in anonymous
    assert '"__typename": "User"' in signed_in
    assert f'"username": "{CUSTOMER}"' in me
    assert offline.blocked == []
