"""Schemathesis against the live server: generated operations for every root
field, as staff, with a fixed seed. None may answer 5xx or hit an unexpected
(masked) error."""

import json
from collections.abc import Iterator

import pytest
import requests
import schemathesis
from django.test import Client
from graphql import introspection_from_schema
from hypothesis import HealthCheck, Phase, seed, settings
from hypothesis import strategies as st
from schemathesis.graphql import nodes

from schema.schema import schema
from tests.conftest import gid
from tests.factories import ProductFactory, UserFactory, place_order

# 15 root fields x up to 20 = 284 requests with this seed (README "Security").
EXAMPLES_PER_OPERATION = 20

# Global IDs that name real rows now and then, among arbitrary strings.
schemathesis.graphql.scalar(
    "ID",
    st.one_of(
        st.builds(
            gid, st.sampled_from(["Product", "Order", "User"]), st.integers(1, 40)
        ),
        st.text(max_size=20),
    ).map(nodes.String),
)
schemathesis.graphql.scalar(
    "Decimal",
    st.one_of(
        st.decimals(min_value=-(10**10), max_value=10**10, places=3).map(str),
        st.sampled_from(["NaN", "Infinity", "-0", "1e400", "", "abc"]),
    ).map(nodes.String),
)
schemathesis.graphql.scalar(
    "DateTime", st.datetimes().map(lambda moment: nodes.String(moment.isoformat()))
)

# Introspection is off in production: the schema comes from the code instead.
API = schemathesis.graphql.from_dict(dict(introspection_from_schema(schema._schema)))


@pytest.fixture
def staff_session(live_server, transactional_db) -> Iterator[requests.Session]:
    staff = UserFactory.create(username="fuzzer", is_staff=True)
    customer = UserFactory.create(username="someone")
    for product in ProductFactory.create_batch(3, stock_quantity=50):
        place_order(customer, product, quantity=2)
    browser = Client()
    browser.force_login(staff)
    with requests.Session() as session:
        session.cookies.set("sessionid", browser.cookies["sessionid"].value)
        session.get(f"{live_server.url}/graphql/", params={"query": "{ __typename }"})
        session.headers["X-CSRFToken"] = session.cookies.get("csrftoken") or ""
        session.headers["Referer"] = live_server.url
        signed_in = session.post(
            f"{live_server.url}/graphql/", json={"query": "{ me { username } }"}
        )
        # Fuzzing as a stranger would test little but the CSRF check.
        assert signed_in.json()["data"] == {"me": {"username": "fuzzer"}}
        yield session


@API.parametrize()
@seed(20261123)
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    suppress_health_check=list(HealthCheck),
)
def test_no_generated_operation_breaks_the_server(case, live_server, staff_session):
    response = case.call(base_url=f"{live_server.url}/graphql/", session=staff_session)

    assert response.status_code < 500, response.text
    assert response.status_code != 403, "the session or its CSRF token was refused"
    body = json.loads(response.text)
    codes = [
        (error.get("extensions") or {}).get("code") for error in body.get("errors", [])
    ]
    assert "INTERNAL_SERVER_ERROR" not in codes, body
