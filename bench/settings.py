"""Benchmark settings: production mode (DEBUG off) plus the bench app's routes."""

import os

# Figures are only worth having for the production configuration.
os.environ["DEBUG"] = "0"
os.environ.setdefault("SECRET_KEY", "bench-only-insecure-secret-key")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
# The benchmark is one client sending loops on purpose: no cost bucket unless
# the environment asks for one (python -m bench.throttle does).
os.environ.setdefault("GRAPHQL_COST_BUCKET", "0")

from config.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "bench.apps.BenchConfig"]  # noqa: F405
ROOT_URLCONF = "bench.urls"
