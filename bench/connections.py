"""Count the database connections this process opens, for bench.serving to read.

A server's own count attributes each new connection to the variant that opened
it at once; pg_stat_database only totals them, and only once backends report.
"""

import threading
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET


class ConnectionCounter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.opened = 0

    def __call__(self, sender: Any, **kwargs: Any) -> None:
        with self._lock:
            self.opened += 1


opened_connections = ConnectionCounter()


@require_GET
def connections_opened(request: HttpRequest) -> JsonResponse:
    """Return how many database connections this process has opened so far."""
    return JsonResponse({"opened": opened_connections.opened})
