"""ASGI entry point: plain HTTP through Django, GraphQL WebSockets through Channels.

Any ASGI server (uvicorn, daphne; `make run` uses daphne through runserver)
serves both on one port. Production keeps plain HTTP on gunicorn's WSGI
workers and routes WebSocket upgrades of /graphql/ here (README, Live updates).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Django first: the schema's modules need the apps loaded.
http_application = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402

from schema.sockets import websocket_application  # noqa: E402

application = ProtocolTypeRouter(
    {"http": http_application, "websocket": websocket_application()}
)
