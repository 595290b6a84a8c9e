"""Vendor GraphiQL's browser assets from the npm registry, pinned, with licenses.

    python -m tools.graphiql_assets          # fetch the pinned versions, rewrite
    python -m tools.graphiql_assets --check  # files on disk match the manifest?

`npm pack` fetches each pinned package (npm checks the tarball against the
registry's integrity); the files the page loads and the package's license are
copied under schema/static/graphiql/vendor/, and manifest.json beside them
records versions, tarball integrity and a SRI hash of every file. The page
(schema/templates/graphiql.html) loads exactly the manifest's scripts and
styles, in its order, each with its SRI hash. To move to a new version, change
its pin below, run this, and run the browser tests (tests/frontend/).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
ASSETS = REPO / "schema/static/graphiql"
VENDOR = ASSETS / "vendor"
MANIFEST = ASSETS / "manifest.json"


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    # What the page loads, in load order (paths inside the package).
    files: tuple[str, ...] = ()
    license_file: str = "LICENSE"
    # A package whose tarball has no license file: the license file of this
    # other package of the same repository and license.
    license_from: str | None = None
    note: str = ""

    @property
    def folder(self) -> str:
        return f"{self.name}@{self.version}"


# The versions strawberry's own GraphiQL page uses (React's UMD builds ended
# with React 18; GraphiQL 3 is the last with a UMD build).
PACKAGES = (
    Package("react", "18.2.0", ("umd/react.production.min.js",)),
    Package("react-dom", "18.2.0", ("umd/react-dom.production.min.js",)),
    Package("graphiql", "3.8.3", ("graphiql.min.js", "graphiql.min.css")),
    Package(
        "@graphiql/plugin-explorer",
        "1.0.2",
        ("dist/index.umd.js", "dist/style.css"),
        license_from="graphiql",
        note="no license file in its tarball: MIT, from the graphql/graphiql "
        "repository, whose license file graphiql ships",
    ),
    Package(
        "graphiql-explorer",
        "0.9.0",
        note="bundled inside @graphiql/plugin-explorer's UMD build: its license",
    ),
)


def sri(data: bytes) -> str:
    """A Subresource Integrity value (sha384), as <script integrity> takes."""
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def npm_pack(package: Package, into: Path) -> dict[str, Any]:
    """Download the package's tarball into `into`; npm's record of it."""
    done = subprocess.run(
        ["npm", "pack", "--json", "--pack-destination", str(into), package.folder],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    if done.returncode != 0:
        raise SystemExit(f"npm pack {package.folder} failed:\n{done.stderr}")
    record: dict[str, Any] = json.loads(done.stdout)[0]
    return record


def extract(tarball: Path, member: str) -> bytes:
    with tarfile.open(tarball) as archive:
        extracted = archive.extractfile(f"package/{member}")
        if extracted is None:
            raise SystemExit(f"{tarball.name} has no file {member}")
        return extracted.read()


def refresh() -> dict[str, Any]:
    shutil.rmtree(VENDOR, ignore_errors=True)
    manifest: dict[str, Any] = {
        "written_by": "python -m tools.graphiql_assets",
        "packages": [],
        "scripts": [],
        "styles": [],
    }
    tarballs: dict[str, Path] = {}
    with tempfile.TemporaryDirectory(prefix="graphiql-assets-") as scratch:
        for package in PACKAGES:
            record = npm_pack(package, Path(scratch))
            tarball = Path(scratch) / record["filename"]
            tarballs[package.name] = tarball
            package_json = json.loads(extract(tarball, "package.json"))
            license_source = tarballs[package.license_from or package.name]
            files = [(package.license_file, extract(license_source, "LICENSE"))]
            files += [(name, extract(tarball, name)) for name in package.files]
            entry: dict[str, Any] = {
                "name": package.name,
                "version": record["version"],
                "tarball_integrity": record["integrity"],
                "license": package_json.get("license"),
                "files": {},
            }
            if package.note:
                entry["note"] = package.note
            for name, data in files:
                path = f"vendor/{package.folder}/{name}"
                (ASSETS / path).parent.mkdir(parents=True, exist_ok=True)
                (ASSETS / path).write_bytes(data)
                entry["files"][path] = sri(data)
                if name in package.files:
                    kind = "scripts" if name.endswith(".js") else "styles"
                    manifest[kind].append(path)
            manifest["packages"].append(entry)
    MANIFEST.write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def mismatches(manifest: dict[str, Any]) -> list[str]:
    """Each vendored file missing or different from what the manifest says."""
    problems = []
    for package in manifest["packages"]:
        for path, expected in package["files"].items():
            file = ASSETS / path
            if not file.is_file():
                problems.append(f"{path}: missing")
            elif sri(file.read_bytes()) != expected:
                problems.append(f"{path}: differs from the manifest")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify, fetch nothing")
    arguments = parser.parse_args(argv)
    manifest = json.loads(MANIFEST.read_text()) if arguments.check else refresh()
    problems = mismatches(manifest)
    for problem in problems:
        print(problem, file=sys.stderr)
    for package in manifest["packages"]:
        print(f"{package['name']}@{package['version']} {package['tarball_integrity']}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
