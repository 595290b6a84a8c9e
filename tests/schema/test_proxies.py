"""X-Real-IP names the client only when the connection comes from a trusted proxy."""

import pytest
from axes.models import AccessAttempt
from django.core.exceptions import ImproperlyConfigured

from schema.proxies import client_address, trusted_networks
from tests.graphql_client import GraphQLClient
from tools.contract import operation

FRONT = trusted_networks(["127.0.0.1", "10.1.0.0/16", "fd00::/8"])


@pytest.mark.parametrize(
    ("peer", "real_ip", "trusted", "seen"),
    [
        ("127.0.0.1", "203.0.113.7", FRONT, "203.0.113.7"),  # the front
        ("10.1.2.3", "203.0.113.7", FRONT, "203.0.113.7"),  # a network of proxies
        ("fd00::1", "2001:db8::5", FRONT, "2001:db8::5"),
        ("203.0.113.9", "203.0.113.7", FRONT, "203.0.113.9"),  # a client: ignored
        ("127.0.0.1", "203.0.113.7", [], "127.0.0.1"),  # no proxy trusted
        ("127.0.0.1", None, FRONT, "127.0.0.1"),  # the front said nothing
        ("127.0.0.1", "", FRONT, "127.0.0.1"),
        ("127.0.0.1", "not-an-address", FRONT, "127.0.0.1"),
        ("127.0.0.1", "203.0.113.7, 10.0.0.1", FRONT, "127.0.0.1"),  # a list
        ("127.0.0.1", " 203.0.113.7 ", FRONT, "203.0.113.7"),
        ("", "203.0.113.7", FRONT, ""),  # a unix socket has no peer address
    ],
)
def test_the_client_address_comes_from_x_real_ip_only_via_a_trusted_proxy(
    peer, real_ip, trusted, seen
):
    assert client_address(peer, real_ip, trusted) == seen


def test_a_malformed_trusted_proxy_is_refused_at_start():
    with pytest.raises(ImproperlyConfigured, match=r"'10\.0\.0\.300'"):
        trusted_networks(["127.0.0.1", "10.0.0.300"])


@pytest.mark.parametrize(
    ("trusted", "recorded"), [([], "127.0.0.1"), (["127.0.0.1"], "203.0.113.7")]
)
def test_sign_in_failures_are_recorded_against_the_address_the_proxy_names(
    db, settings, trusted, recorded
):
    settings.TRUSTED_PROXIES = trusted

    GraphQLClient().execute(
        operation("Login"),
        {"input": {"username": "nobody", "password": "wrong"}},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_REAL_IP="203.0.113.7",
    )

    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [
        recorded
    ]
