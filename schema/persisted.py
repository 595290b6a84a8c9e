"""Persisted documents: Apollo's automatic persisted queries, trusted documents.

A request may name its document by hash, in
`extensions.persistedQuery = {"version": 1, "sha256Hash": "<hex>"}`:

- with no `query`, the document is looked up: first in the trusted manifest
  (schema/trusted-documents.json, `make documents`, held in memory by each
  process and never evicted), then in the store, Django's cache
  `persisted_documents`. Unknown: PERSISTED_QUERY_NOT_FOUND, and Apollo's
  persisted-query link resends the request with the document;
- with a `query`, the hash must be the document's own SHA-256
  (PERSISTED_QUERY_HASH_MISMATCH otherwise); once the document has run (it
  parsed, validated and passed every document limit) it is stored under it.

With GRAPHQL_TRUSTED_DOCUMENTS=only, only the manifest's documents run: any
other, by hash or by text, is refused with DOCUMENT_NOT_TRUSTED before it is
parsed, and nothing is stored. The store is bounded: a document is at most
DATA_UPLOAD_MAX_MEMORY_SIZE bytes (the body cap) and passed the document limits,
and the cache evicts (config/settings.py).
"""

import hashlib
import json
import logging
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.core.cache import caches
from graphql import GraphQLError
from redis.exceptions import RedisError
from strawberry.types import ExecutionResult

from schema.error_codes import GatewayErrorCode

logger = logging.getLogger("ordergraph.persisted")

STORE = "persisted_documents"
VERSION = 1
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
# What every server that speaks the protocol answers; Apollo's link also
# recognises the code.
NOT_FOUND_MESSAGE = "PersistedQueryNotFound"


class DocumentRefused(Exception):
    def __init__(self, code: GatewayErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code

    def error(self) -> GraphQLError:
        return GraphQLError(str(self), extensions={"code": self.code.value})

    def as_result(self) -> ExecutionResult:
        """A request error: no `data`, nothing ran."""
        return ExecutionResult(data=None, errors=[self.error()])


@dataclass(frozen=True)
class Resolved:
    """The document to run, and the hash to store it under once it has run."""

    query: str | None
    store_as: str | None = None


def document_hash(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


@cache
def trusted_documents() -> dict[str, str]:
    """The manifest: document hash -> document."""
    with open(settings.GRAPHQL_TRUSTED_DOCUMENTS_MANIFEST, encoding="utf-8") as file:
        manifest: dict[str, str] = json.load(file)
    return manifest


def _requested_hash(persisted: Any) -> str:
    if not isinstance(persisted, dict):
        raise DocumentRefused(
            GatewayErrorCode.BAD_REQUEST,
            "extensions.persistedQuery must be an object: "
            '{"version": 1, "sha256Hash": "<64 hex digits>"}.',
        )
    if persisted.get("version") != VERSION:
        raise DocumentRefused(
            GatewayErrorCode.BAD_REQUEST,
            f"extensions.persistedQuery.version must be {VERSION}.",
        )
    wanted = persisted.get("sha256Hash")
    if not isinstance(wanted, str) or not SHA256_HEX.fullmatch(wanted):
        raise DocumentRefused(
            GatewayErrorCode.BAD_REQUEST,
            "extensions.persistedQuery.sha256Hash must be a SHA-256 in 64 "
            "lowercase hex digits.",
        )
    return wanted


def _untrusted() -> DocumentRefused:
    return DocumentRefused(
        GatewayErrorCode.DOCUMENT_NOT_TRUSTED,
        "This server runs only the documents of its trusted manifest "
        "(GRAPHQL_TRUSTED_DOCUMENTS=only); this one is not among them.",
    )


def resolve(query: str | None, extensions: dict[str, Any] | None) -> Resolved:
    """The document a request runs; DocumentRefused when none may run."""
    trusted_only = settings.GRAPHQL_TRUSTED_DOCUMENTS == "only"
    persisted = (extensions or {}).get("persistedQuery")
    if persisted is None:
        if (
            trusted_only
            and query is not None
            and document_hash(query) not in trusted_documents()
        ):
            raise _untrusted()
        return Resolved(query)
    wanted = _requested_hash(persisted)
    if query is None:
        found = trusted_documents().get(wanted)
        if found is None and not trusted_only:
            found = _stored(wanted)
        if found is None:
            raise DocumentRefused(
                GatewayErrorCode.PERSISTED_QUERY_NOT_FOUND, NOT_FOUND_MESSAGE
            )
        return Resolved(found)
    if document_hash(query) != wanted:
        raise DocumentRefused(
            GatewayErrorCode.PERSISTED_QUERY_HASH_MISMATCH,
            "extensions.persistedQuery.sha256Hash is not the SHA-256 of the "
            "query sent with it (hash the document's exact text, UTF-8).",
        )
    if wanted in trusted_documents():
        return Resolved(query)
    if trusted_only:
        raise _untrusted()
    return Resolved(query, store_as=wanted)


def _stored(document_sha256: str) -> str | None:
    try:
        found = caches[STORE].get(document_sha256)
    except (RedisError, OSError) as error:
        # As if unknown: Apollo resends the document, which then runs.
        logger.warning(
            "Persisted documents unavailable (%s: %s)", type(error).__name__, error
        )
        return None
    return found if isinstance(found, str) else None


def store(document_sha256: str, document: str) -> None:
    try:
        caches[STORE].set(document_sha256, document)
    except (RedisError, OSError) as error:
        logger.warning(
            "Persisted documents unavailable (%s: %s)", type(error).__name__, error
        )
