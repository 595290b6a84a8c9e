from django.apps import AppConfig
from django.db.backends.signals import connection_created


class BenchConfig(AppConfig):
    name = "bench"
    verbose_name = "Benchmarks"

    def ready(self) -> None:
        from .connections import opened_connections

        connection_created.connect(
            opened_connections, dispatch_uid="bench.connections.opened_connections"
        )
