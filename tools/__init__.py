"""Development tools shared by the tests, the benchmark and the Makefile.

Each starts a real part on loopback for as long as a `with` block lasts (a
throwaway PostgreSQL or Redis, the production gunicorn, an ASGI server) or
reads the frontend contract. None of it is imported by the application.
"""
