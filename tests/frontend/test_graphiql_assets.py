"""The vendored GraphiQL files are the manifest's, each with its license."""

import json

from django.templatetags.static import static

from schema.graphiql import graphiql_page
from tools.graphiql_assets import ASSETS, MANIFEST, PACKAGES, mismatches


def test_every_vendored_file_matches_the_manifest():
    manifest = json.loads(MANIFEST.read_text())

    assert mismatches(manifest) == []


def test_every_pinned_package_is_vendored_with_its_license():
    manifest = json.loads(MANIFEST.read_text())

    vendored = {(p["name"], p["version"]): p for p in manifest["packages"]}
    assert set(vendored) == {(p.name, p.version) for p in PACKAGES}
    for package in PACKAGES:
        files = vendored[(package.name, package.version)]["files"]
        assert f"vendor/{package.folder}/LICENSE" in files
        assert (
            "Permission is hereby granted"
            in (ASSETS / f"vendor/{package.folder}/LICENSE").read_text()
        )


def test_the_page_loads_every_script_and_style_of_the_manifest_in_order(rf):
    manifest = json.loads(MANIFEST.read_text())

    page = graphiql_page(rf.get("/graphql/")).content.decode()

    tags = [
        f'"{static("graphiql/" + path)}" integrity="{integrity(manifest, path)}"'
        for path in manifest["styles"] + manifest["scripts"]
    ]
    positions = [page.index(tag) for tag in tags]
    assert positions == sorted(positions)


def integrity(manifest, path):
    for package in manifest["packages"]:
        if path in package["files"]:
            return package["files"][path]
    raise KeyError(path)
