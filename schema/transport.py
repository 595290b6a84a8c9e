"""Which operations each transport runs: subscriptions only over the WebSocket."""

from collections.abc import Iterator

from graphql import ExecutionResult, GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from schema.context import SocketContext
from schema.error_codes import GatewayErrorCode

SUBSCRIPTION_OVER_HTTP = (
    "Subscriptions run over a WebSocket (graphql-transport-ws) at /graphql/, "
    "not over HTTP."
)
OPERATION_OVER_SOCKET = (
    "Only subscriptions run over the WebSocket; send queries and mutations over HTTP."
)


class OperationsByTransport(SchemaExtension):
    """Refuse, before anything resolves, an operation sent over the wrong transport.

    Over HTTP a subscription would run as a one-shot query and fail inside;
    over the socket a mutation would miss what HTTP gives it (the session to
    sign in to, the CSRF check).
    """

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        if context.result is None:
            over_socket = isinstance(context.context, SocketContext)
            is_subscription = context.operation_type is OperationType.SUBSCRIPTION
            if over_socket != is_subscription:
                message = (
                    OPERATION_OVER_SOCKET if over_socket else SUBSCRIPTION_OVER_HTTP
                )
                context.result = ExecutionResult(
                    data=None,
                    errors=[
                        GraphQLError(
                            message,
                            extensions={
                                "code": GatewayErrorCode.UNSUPPORTED_OPERATION.value
                            },
                        )
                    ],
                )
        yield
