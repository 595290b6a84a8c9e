"""The schema's view of a request for the record: which operation, of what type."""

from collections.abc import Iterator
from contextvars import ContextVar

from strawberry.extensions import SchemaExtension

from . import tracing
from .records import record_of


class ObserveOperation(SchemaExtension):
    """Note the operation's name and type on the request's record."""

    def on_operation(self) -> Iterator[None]:
        try:
            yield
        finally:
            self._note()

    def _note(self) -> None:
        context = self.execution_context
        record = record_of(getattr(context.context, "request", None))
        if record is None:  # a WebSocket subscription: no HTTP request record
            return
        record.operation_started = True
        record.operation_name = context.operation_name
        try:
            record.operation_type = context.operation_type.value
        except Exception:  # no document, or no operation of that name in it
            record.operation_type = None


class TraceOperation(ObserveOperation):
    """The same, with a span for each phase (only while tracing is on)."""

    def on_parse(self) -> Iterator[None]:
        with tracing.phase("graphql.parse"):
            yield

    def on_validate(self) -> Iterator[None]:
        with tracing.phase("graphql.validate"):
            yield

    def on_execute(self) -> Iterator[None]:
        with tracing.phase("graphql.execute"):
            yield


# True in a WebSocket connection's tasks (schema/sockets.py): its operations
# have no HTTP request record to note, and an open subscription would hold
# this extension's hook for its whole life (about 2.4 KB of each, measured
# with bench.fanout).
over_socket: ContextVar[bool] = ContextVar("over_socket", default=False)


def observe_operation() -> SchemaExtension:
    """A fresh extension per request: the tracing one only while tracing is on,
    one with no hooks over the socket."""
    if over_socket.get():
        return SchemaExtension()
    return TraceOperation() if tracing.tracer() is not None else ObserveOperation()
