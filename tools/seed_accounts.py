"""Create accounts in a live database and print them (with sessions) as JSON.

    DJANGO_SETTINGS_MODULE=config.settings python -m tools.seed_accounts 200

Used by the live test suites and by bench.throttle.

Run in the server's own environment (same SECRET_KEY and DATABASE_URL).
Customers get a signed-in session made here, as Django's test client's
force_login does: a real Login costs a full password hash (about 0.4 s of
CPU), and 200 of them would dwarf the race they prepare. Staff and one
customer still sign in through the Login mutation in the suite.
"""

import json
import sys
from importlib import import_module

import django

PASSWORD = "concurrency-suite-password-4711"
STAFF = "suite-staff"


def main(argv: list[str]) -> None:
    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User

    from backend.accounts.services import index_usernames

    count = int(argv[0])
    session_store = import_module(settings.SESSION_ENGINE).SessionStore
    # One hash for everyone: hashing is the slow part, and salts do not matter here.
    password = make_password(PASSWORD)
    User.objects.create(username=STAFF, password=password, is_staff=True)
    customers = User.objects.bulk_create(
        User(username=f"suite-customer-{n:04d}", password=password)
        for n in range(count)
    )
    index_usernames(customers)
    sessions = []
    for user in customers:
        session = session_store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        sessions.append({"username": user.username, "sessionid": session.session_key})
    json.dump({"staff": STAFF, "password": PASSWORD, "customers": sessions}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
