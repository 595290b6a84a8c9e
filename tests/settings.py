"""Test settings: production mode (DEBUG off) with a throwaway secret."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
# Tests never reach a real replica, whatever the shell exports; see below.
os.environ.pop("DATABASE_REPLICA_URL", None)
# In-process subscription tests need the in-memory channel layer; the
# multi-process tests hand REDIS_URL to the servers they start.
os.environ.pop("REDIS_URL", None)

from config.settings import *  # noqa: F403
from config.settings import DATABASES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Many tests (and the in-process live server of the fuzz run) send more than a
# client's cost bucket on purpose: it is off unless a test turns it on with
# override_settings (tests/common/test_throttle.py).
GRAPHQL_COST_BUCKET = 0

# The read replica is a TEST MIRROR of default: a second connection to the same
# test database. Only tests/config/test_db_routers.py turns the router on, in
# tests that commit and list both aliases. Not the whole suite: a `db` test
# (Django's TestCase) runs inside an atomic block on default, where the router
# reads from the primary, so routing on would look like coverage and never
# touch the replica; the mirror cannot see a TestCase's uncommitted rows
# anyway; and each committing test (live_server) would have to list "replica"
# in its databases. DATABASES cannot change at run time (override_settings):
# connections and test databases are set up from it once per session.
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
