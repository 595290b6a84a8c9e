"""Write the trusted documents manifest from the frontend contract.

    python -m tools.documents           # make documents
    python -m tools.documents --check   # is the committed manifest current?

Each contract operation, printed alone (tools/contract.py), keyed by the
SHA-256 of that exact text: what GRAPHQL_TRUSTED_DOCUMENTS=only lets run
(schema/persisted.py). A client sends the hash alone, or the text itself.
"""

import argparse
import json
import sys

from schema.persisted import document_hash
from tools.contract import REPO, contract_operations

MANIFEST = REPO / "schema/trusted-documents.json"


def manifest_text() -> str:
    documents = {
        document_hash(document): document for document in contract_operations().values()
    }
    return json.dumps(dict(sorted(documents.items())), indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    arguments = parser.parse_args(argv)
    wanted = manifest_text()
    if arguments.check:
        current = MANIFEST.read_text() if MANIFEST.exists() else ""
        if current != wanted:
            print(
                f"{MANIFEST.name} is out of date: run make documents", file=sys.stderr
            )
            return 1
        return 0
    MANIFEST.write_text(wanted)
    print(f"{MANIFEST.relative_to(REPO)}: {len(json.loads(wanted))} documents")
    return 0


if __name__ == "__main__":
    sys.exit(main())
