"""Orders placed with an idempotency key each, checked against the database."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from tests.concurrency.live import Live, pk
from tests.concurrency.load import OK, Tally
from tools.graphql_http import GraphQLHttpClient


@dataclass
class Placements:
    """Every key a client sent for one product, and the order it was told of.

    A key whose answer never arrived (the worker died, the database went away)
    is sent again afterwards, as a client would: the idempotency key makes that
    safe whether or not the first attempt was committed.
    """

    product: str
    heard: dict[str, str] = field(default_factory=dict)  # key -> latest result
    order_of: dict[str, str] = field(default_factory=dict)  # key -> order id
    client_of: dict[str, GraphQLHttpClient] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def place(self, record: Tally, client: GraphQLHttpClient, key: str) -> str:
        order = {"productId": self.product, "quantity": 1, "idempotencyKey": key}
        result, reply = record.call(client, "PlaceOrder", "createOrder", input=order)
        with self.lock:
            self.heard[key], self.client_of[key] = result, client
            if result == OK and reply:
                self.order_of[key] = reply.data["createOrder"]["id"]
        return result

    def resend_unanswered(self, record: Tally) -> None:
        for key, result in list(self.heard.items()):
            if result != OK:
                self.place(record, self.client_of[key].copy(), key)

    def problems(self, live: Live) -> list[str]:
        """What the database says against what clients were told."""
        problems = []
        in_db = {o["idempotency_key"]: o for o in live.orders_of(self.product)}
        for key, order_id in self.order_of.items():
            if key not in in_db:
                problems.append(f"order {order_id} ({key}) was confirmed, then lost")
            elif in_db[key]["id"] != pk(order_id):
                problems.append(f"key {key}: told order {order_id}, stored another")
        if stray := in_db.keys() - self.heard.keys():
            problems.append(f"orders nobody asked for: {sorted(stray)}")
        return problems
