"""The project stands alone (issue 12): nothing reads files from outside the repository, the
CDISC schemas come from the odmlib package, and the ODM exports carry what a sponsor needs to
validate them strictly without our code."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from lxml import etree

from tests.core.conftest import FAST_KDF
from tnt_desktop import paths
from tnt_desktop.demo import generate_demo
from tnt_desktop.exports import odm_extension
from tnt_desktop.exports.odm_schema import define_schema_path, odm_schema_path, odmlib_folder
from tnt_desktop.exports.package_open import open_package
from tnt_desktop.exports.run_export import run_export
from tnt_desktop.services import auth
from tnt_desktop.storage import keyslots

ROOT = Path(__file__).resolve().parents[2]
# what may not be named: the developers' folder beside the checkout (spelled in pieces so that
# this file does not name it itself)
OUTSIDE = re.compile("|".join([r"\.\./" + "shared", r"""["']""" + "shared" + r"""["']""",
                               r"/\s*" + "shared" + r"\b(?!_)"]))
SCANNED = ["tnt_desktop", "tests", "packaging", ".ci", "build.spec", "setup.py", "dev.py",
           "pyproject.toml", "benchmarks"]
TEXT_SUFFIXES = {".py", ".spec", ".toml", ".sh", ".iss", ".cfg", ".txt", ""}
PASSWORD = "Standalone-Test-2026!"


def scanned_files() -> list[Path]:
    files: list[Path] = []
    for name in SCANNED:
        path = ROOT / name
        candidates = [path] if path.is_file() else sorted(path.rglob("*"))
        files += [p for p in candidates if p.is_file() and p.suffix in TEXT_SUFFIXES
                  and "__pycache__" not in p.parts]  # fmt: skip
    return files


def test_nothing_names_the_developers_folder_outside_the_repository():
    files = scanned_files()
    assert len(files) > 100  # the scan sees the code, the tests and the packaging
    hits = [f"{p.relative_to(ROOT)}:{n}: {line.strip()}"
            for p in files
            for n, line in enumerate(p.read_text(encoding="utf-8", errors="replace")
                                     .splitlines(), 1)
            if p != Path(__file__).resolve() and OUTSIDE.search(line)]  # fmt: skip
    assert hits == []


def test_the_pattern_would_catch_the_old_ways_of_naming_it():
    for line in ('SCHEMA = Path(__file__).parents[3] / "shared" / "odm1-3-2"',
                 "candidates.append(ROOT.parent / 'shared')", "see ../" + "shared/CRF_SPEC.md"):
        assert OUTSIDE.search(line), line
    assert not OUTSIDE.search("a shared library"), "prose is not a path"


def test_the_schemas_come_from_the_odmlib_package():
    odm, define = odm_schema_path(), define_schema_path()
    package = odmlib_folder()
    assert package is not None and odm is not None and define is not None
    assert odm.is_relative_to(package) and define.is_relative_to(package)
    for name in ("ODM1-3-2-foundation.xsd", "xml.xsd", "xmldsig-core-schema.xsd"):
        assert (odm.parent / name).is_file()
    etree.XMLSchema(etree.parse(str(odm)))  # compiles


def test_the_resource_root_of_an_installed_wheel(tmp_path, monkeypatch):
    # an installed wheel carries resources/ as tnt_desktop/_resources (setup.py)
    fake_package = tmp_path / "site-packages" / "tnt_desktop"
    (fake_package / paths.INSTALLED_RESOURCES / "styles").mkdir(parents=True)
    monkeypatch.setattr(paths, "__file__", str(fake_package / "paths.py"))
    assert paths.resource_root() == fake_package / paths.INSTALLED_RESOURCES
    shutil.rmtree(fake_package / paths.INSTALLED_RESOURCES)
    assert paths.resource_root() == tmp_path / "site-packages" / "resources"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("standalone") / "demo.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(keyslots, "DEFAULT_KDF", dict(FAST_KDF))
        return generate_demo(path, 4, seed=11, password=PASSWORD, today=date(2026, 6, 1))


def validate_with_the_kit(kit: dict[str, bytes], document: Path, scratch: Path) -> None:
    """What the kit's README tells a sponsor: CDISC's files beside the kit, validate against the
    wrapper — with lxml only, nothing of ours."""
    scratch.mkdir()
    for source in odm_schema_path().parent.iterdir():
        shutil.copy(source, scratch / source.name)
    for name, data in kit.items():
        (scratch / name).write_bytes(data)
    schema = etree.XMLSchema(etree.parse(str(scratch / odm_extension.WRAPPER_FILE)))
    schema.assertValid(etree.parse(str(document)))


def test_every_odm_export_carries_its_validation_kit(demo, tmp_path):
    app = auth.login(demo.db_path, "datamanager", demo.password)
    try:
        folder_run = run_export(app, tmp_path / "folder", formats=["odm"])
        package_run = run_export(app, tmp_path / "package", formats=["odm"], package=True,
                                 passphrase="Package-Pass-2026!")  # fmt: skip
    finally:
        auth.logout(app)
    kit_dir = folder_run.folder / "odm" / odm_extension.KIT_FOLDER
    kit = {p.name: p.read_bytes() for p in kit_dir.iterdir()}
    assert kit == odm_extension.validation_kit()
    assert b"xmllint" in kit[odm_extension.KIT_README]
    snapshot = next((folder_run.folder / "odm").glob("*_snapshot.xml"))
    assert b"tnt:Query" in snapshot.read_bytes()  # the demo's queries: the extension is used
    validate_with_the_kit(kit, snapshot, tmp_path / "sponsor")

    opened = open_package(package_run.package, passphrase="Package-Pass-2026!")
    packaged = {rel.rsplit("/", 1)[1]: data for rel, data in opened.files.items()
                if rel.startswith(f"odm/{odm_extension.KIT_FOLDER}/")}  # fmt: skip
    assert packaged == kit


def test_the_kit_refuses_what_the_extension_does_not_allow(demo, tmp_path):
    app = auth.login(demo.db_path, "datamanager", demo.password)
    try:
        run = run_export(app, tmp_path / "folder", formats=["odm"])
    finally:
        auth.logout(app)
    snapshot = next((run.folder / "odm").glob("*_snapshot.xml"))
    text = snapshot.read_text(encoding="utf-8")
    bad = tmp_path / "bad.xml"
    bad.write_text(text.replace('Status="OPEN"', 'Status="MAYBE"', 1), encoding="utf-8")
    assert 'Status="MAYBE"' in bad.read_text(encoding="utf-8")
    with pytest.raises(etree.DocumentInvalid):
        validate_with_the_kit(odm_extension.validation_kit(), bad, tmp_path / "sponsor")
