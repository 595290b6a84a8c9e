"""Relay nodes backed by Django models, resolved without per-field machinery.

Our hot types are plain strawberry types over model instances: their scalar
fields read attributes straight off the instance (strawberry's "basic field"
path), which costs a fraction of a resolver per field.
"""

from collections.abc import Awaitable, Iterable
from typing import Any, ClassVar

import strawberry
from asgiref.sync import sync_to_async
from django.db.models import Model, QuerySet
from strawberry import relay

from backend.common.errors import InputError, NotFound

from .ids import decode_global_id, decode_input_id, parse_primary_key


class ModelNode(relay.Node):
    model: ClassVar[type[Model]]
    # Global IDs are keyed by primary key. Saying so spares strawberry a scan of
    # every class annotation (and a raised exception) per `id` it resolves.
    _id_attr: ClassVar[str | None] = "pk"
    # Other objects the type renders besides rows of `model` (they have `pk`
    # and the type's fields as attributes).
    also_renders: ClassVar[tuple[type, ...]] = ()

    @classmethod
    def visible(cls, info: strawberry.Info) -> QuerySet[Any]:
        """The rows the current user may see through `node` and friends."""
        return cls.model._default_manager.all()

    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        return isinstance(obj, cls.model) or (
            bool(cls.also_renders) and isinstance(obj, cls.also_renders)
        )

    @classmethod
    def not_found_message(cls) -> str:
        return f"{cls.model.__name__} does not exist."

    @classmethod
    def primary_key(cls, global_id: str | relay.GlobalID, *, field: str = "id") -> int:
        """The primary key a global ID of this type names (see decode_global_id)."""
        type_name = cls.__strawberry_definition__.name  # type: ignore[attr-defined]
        return decode_global_id(
            global_id, type_name=type_name, missing=cls.not_found_message(), field=field
        )

    @classmethod
    def input_key(
        cls, global_id: str | relay.GlobalID, *, field: str = "id"
    ) -> tuple[int, InputError | None]:
        """The key of a mutation input's ID, or its problem (see decode_input_id)."""
        type_name = cls.__strawberry_definition__.name  # type: ignore[attr-defined]
        return decode_input_id(
            global_id, type_name=type_name, missing=cls.not_found_message(), field=field
        )

    @classmethod
    async def by_global_id(
        cls, info: strawberry.Info, global_id: relay.GlobalID
    ) -> Any | None:
        """The visible node a global ID names, or None (also for another type's)."""
        if global_id.type_name != cls.__strawberry_definition__.name:  # type: ignore[attr-defined]
            return None
        [node] = await cls.resolve_nodes(info=info, node_ids=[global_id.node_id])
        return node

    @classmethod
    def resolve_nodes(
        cls,
        *,
        info: strawberry.Info,
        node_ids: Iterable[str],
        required: bool = False,
    ) -> Awaitable[list[Any]]:
        ids = list(node_ids)

        def fetch() -> list[Any]:
            keys = [parse_primary_key(i) for i in ids]
            by_id = cls.visible(info).in_bulk([key for key in keys if key is not None])
            nodes = [None if key is None else by_id.get(key) for key in keys]
            if required and None in nodes:
                raise NotFound(cls.not_found_message())
            return nodes

        return sync_to_async(fetch)()
