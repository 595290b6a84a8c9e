"""Publish live-update events once the transaction that caused them commits."""

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger("ordergraph.events")


def _send(groups: tuple[str, ...], message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    for group in groups:
        async_to_sync(layer.group_send)(group, message)


def publish_on_commit(groups: tuple[str, ...], message: dict[str, Any]) -> None:
    """Send `message` to `groups` after the current transaction commits.

    Never for a rolled-back change, and never failing the request that made
    it: delivery is at-most-once, so a broken channel layer costs events (it
    is logged), not the committed write.
    """
    transaction.on_commit(lambda: _send(groups, message), robust=True)
