"""The Linux installer: build the .deb from the bundle, install it on this machine with dpkg,
run the launcher on PATH, check the menu entry and icon, upgrade, remove and purge — and prove
that none of it touches user data.

Installing needs root. On a developer's machine that is not root the installation tests skip,
saying why (the README's test command passes for anyone with Python and PyPI); under CI (CI=true,
where we are root) not being root is a FAILURE, so a skipped installer test can never make CI
look green while proving nothing.
The package is always purged at the end, and the test refuses to run where a tnt-desktop
package is already installed (it would replace a real installation).
"""

from __future__ import annotations

import configparser
import hashlib
import importlib.util
import os
import shutil
import struct
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from tnt_desktop import __version__

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "tnt-desktop"
ADMIN_PW = "Admin-Pass-77"

pytestmark = [
    pytest.mark.req("REQ-VAL-01"),
    pytest.mark.skipif(not sys.platform.startswith("linux") or shutil.which("dpkg-deb") is None,
                       reason="the .deb is built and installed on Debian-based Linux only"),
]  # fmt: skip


def _load_build_deb():
    spec = importlib.util.spec_from_file_location(
        "build_deb", ROOT / "packaging" / "linux" / "build_deb.py")  # fmt: skip
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build_deb = _load_build_deb()


def _status(package: str) -> str:
    result = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package],
                            capture_output=True, text=True)  # fmt: skip
    return result.stdout.strip() if result.returncode == 0 else ""


def _clean_env(home: Path) -> dict[str, str]:
    """No TNT_* overrides: the installed program must find the platformdirs folders of HOME."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TNT_", "XDG_"))}
    env.update(HOME=str(home), TNT_LANG="en", QT_QPA_PLATFORM="offscreen")
    return env


def _dpkg(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    result = subprocess.run(["dpkg", *args], capture_output=True, text=True, env=env)
    assert result.returncode == 0, f"dpkg {' '.join(args)} failed:\n{result.stdout}{result.stderr}"
    return result


def _install(deb: Path, env: dict[str, str]) -> None:
    """`dpkg -i`; where this machine lacks some of the package's Depends (a container without
    a desktop), with --force-depends and a warning naming them (--version needs none of them)."""
    depends = subprocess.run(["dpkg-deb", "-f", str(deb), "Depends"], capture_output=True,
                             text=True, check=True).stdout  # fmt: skip
    names = [part.strip().split(" ")[0] for part in depends.split(",") if part.strip()]
    missing = [name for name in names if _status(name) != "install ok installed"]
    if missing:
        warnings.warn(f"this machine lacks {', '.join(missing)}: installed with --force-depends "
                      "(apt install ./the.deb would fetch them)", stacklevel=2)  # fmt: skip
        _dpkg("--force-depends", "-i", str(deb), env=env)
    else:
        _dpkg("-i", str(deb), env=env)
    assert _status(PACKAGE) == "install ok installed"


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}  # fmt: skip


@pytest.fixture(scope="module")
def deb(bundle, tmp_path_factory) -> Path:
    # -Znone: compression does not change what is installed, and xz on ~200 MB takes minutes
    return build_deb.build_deb(Path(bundle), tmp_path_factory.mktemp("deb"), compression="none")


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def installed(deb, home):
    if os.geteuid() != 0:
        why = ("tests/packaging/test_deb.py installs the .deb with dpkg, which needs root (the CI "
               "container runs as root)")  # fmt: skip
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(why, pytrace=False)
        pytest.skip(why + "; not root here")
    if _status(PACKAGE):
        pytest.fail(f"a {PACKAGE} package is already installed on this machine "
                    f"({_status(PACKAGE)}); the test will not replace or remove it",
                    pytrace=False)  # fmt: skip
    env = _clean_env(home)
    try:
        _install(deb, env)
        yield deb
    finally:
        subprocess.run(["dpkg", "--purge", PACKAGE], capture_output=True, env=env)
        assert not _status(PACKAGE) or "not-installed" in _status(PACKAGE)


def test_control_fields(deb, bundle):
    fields = {name: subprocess.run(["dpkg-deb", "-f", str(deb), name], capture_output=True,
                                   text=True, check=True).stdout.strip()
              for name in ("Package", "Version", "Architecture", "Depends")}  # fmt: skip
    assert fields["Package"] == PACKAGE
    assert fields["Version"] == build_deb.debian_version(__version__)
    arch = subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True,
                          check=True).stdout.strip()  # fmt: skip
    assert fields["Architecture"] == arch
    assert deb.name == f"{PACKAGE}_{fields['Version']}_{arch}.deb"
    depends = {part.strip() for part in fields["Depends"].split(",")}
    # what Qt's xcb platform needs and PyInstaller never bundles
    assert {"libc6", "libxcb1", "libgl1", "libegl1", "libfontconfig1"} <= depends
    # every library the bundle needs and does not carry has its package in Depends/Recommends
    relations = build_deb.package_relations(Path(bundle))
    for soname in build_deb.system_libraries(Path(bundle)):
        package, field = build_deb.SONAME_PACKAGES[soname]
        assert package in relations[field] or package in relations["Depends"], soname
    assert sorted(depends) == relations["Depends"]


def test_maintainer_scripts_delete_nothing(deb, tmp_path):
    subprocess.run(["dpkg-deb", "-e", str(deb), str(tmp_path / "DEBIAN")], check=True)
    scripts = [p for p in (tmp_path / "DEBIAN").iterdir() if p.name in
               {"preinst", "postinst", "prerm", "postrm"}]  # fmt: skip
    assert {p.name for p in scripts} == {"postinst", "postrm"}
    for script in scripts:
        code = [line.split("#")[0] for line in script.read_text().splitlines()]
        words = " ".join(code).split()
        assert not {"rm", "rmdir", "unlink", "shred", "find", "mv"} & set(words), script.name
        assert "HOME" not in " ".join(code) and "/home" not in " ".join(code), script.name


def test_launcher_on_path_prints_the_version(installed, home):
    env = _clean_env(home)
    assert Path("/usr/bin/tnt-desktop").is_file() and os.access("/usr/bin/tnt-desktop", os.X_OK)
    on_path = shutil.which("tnt-desktop", path="/usr/local/bin:/usr/bin:/bin")
    assert on_path == "/usr/bin/tnt-desktop"
    result = subprocess.run(["tnt-desktop", "--version"], capture_output=True, text=True,
                            env=dict(env, PATH="/usr/bin:/bin"), timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"TNT Desktop {__version__}"
    # the bundle is under /opt, as installed files of the package
    listed = subprocess.run(["dpkg", "-L", PACKAGE], capture_output=True, text=True,
                            check=True).stdout.splitlines()  # fmt: skip
    assert "/opt/tnt-desktop/tnt-desktop" in listed and "/usr/bin/tnt-desktop" in listed
    assert all(p.startswith(("/opt/tnt-desktop", "/usr/")) or p in {"/.", "/opt", "/usr"}
               for p in listed)  # fmt: skip


def test_desktop_entry_and_icon(installed):
    path = Path("/usr/share/applications/tnt-desktop.desktop")
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application" and entry["Terminal"] == "false"
    assert entry["Name"] == "TNT Desktop"
    assert "电子病例报告表" in entry["Name[zh_CN]"]
    executable = entry["Exec"].split()[0]
    assert Path(executable).is_file() and os.access(executable, os.X_OK)
    assert entry["Icon"] == "tnt-desktop"
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(["desktop-file-validate", str(path)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
    for size in (48, 128, 256):
        png = Path(f"/usr/share/icons/hicolor/{size}x{size}/apps/tnt-desktop.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert struct.unpack(">II", png[16:24]) == (size, size)
    assert Path("/usr/share/icons/hicolor/scalable/apps/tnt-desktop.svg").is_file()


def test_upgrade_remove_and_purge_keep_user_data(installed, home):
    env = _clean_env(home)
    # real user data, made by the installed program in its default (platformdirs) folders
    init = subprocess.run(
        ["/usr/bin/tnt-desktop", "admin", "init", "--site", "01", "--admin", "boss"],
        capture_output=True, text=True, timeout=120, env=dict(env, TNT_PASSWORD=ADMIN_PW),
        stdin=subprocess.DEVNULL)  # fmt: skip
    assert init.returncode == 0, init.stderr
    data = home / ".local" / "share" / "TNT-Desktop"
    assert (data / "tnt-sts.db").is_file() and (data / "tnt-sts.db.keys").is_file()
    (data / "backups").mkdir(exist_ok=True)
    (data / "backups" / "note.txt").write_text("a backup would be here", encoding="utf-8")
    for folder in (home / ".config" / "TNT-Desktop", home / ".local" / "state" / "TNT-Desktop"):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "kept.txt").write_text("user file", encoding="utf-8")
    before = _digest(home)
    assert len(before) >= 5

    _install(installed, env)  # the same version again: dpkg runs the upgrade path
    assert _digest(home) == before
    _dpkg("-r", PACKAGE, env=env)
    assert not Path("/usr/bin/tnt-desktop").exists()
    assert not Path("/opt/tnt-desktop/tnt-desktop").exists()
    assert not Path("/usr/share/applications/tnt-desktop.desktop").exists()
    assert _digest(home) == before
    _dpkg("--purge", PACKAGE, env=env)
    assert _digest(home) == before
    assert not Path("/opt/tnt-desktop").exists()

