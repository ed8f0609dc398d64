"""Build the Debian package (.deb) of TNT Desktop from a PyInstaller bundle folder.

    .venv/bin/python packaging/linux/build_deb.py dist/tnt-desktop [--out dist] [-Z xz|gzip|none]

What the package installs:

    /opt/tnt-desktop/                           the bundle as built (tnt-desktop, tnt-desktop-cli,
                                                _internal/); replaced as a whole by an upgrade
    /usr/bin/tnt-desktop                        the launcher on PATH (a shell script, see LAUNCHER)
    /usr/share/applications/tnt-desktop.desktop the menu entry (English and Simplified Chinese)
    /usr/share/icons/hicolor/*/apps/tnt-desktop.{png,svg}   the icon (resources/icons)
    /usr/share/doc/tnt-desktop/README.Debian    where the data lives and why removal keeps it

User data is never in the package's folders: databases, backups, preferences and logs live in
each user's home (platformdirs: ~/.local/share/TNT-Desktop, ~/.local/state/TNT-Desktop/log,
~/.config/TNT-Desktop) or wherever TNT_DATA_DIR / TNT_LOG_DIR / TNT_CONFIG_DIR point. dpkg
removes only the files it installed, and the maintainer scripts below never delete anything, so
`dpkg -r`, `dpkg --purge` and upgrades leave every user's data exactly as it was.

Control fields: Version from tnt_desktop/__init__.py (`__version__`, the single source; PEP 440
pre-releases become `~` versions so that 1.0~rc1 < 1.0), Architecture from
`dpkg --print-architecture`, Depends computed: every shared library that a file of the bundle
needs and the bundle does not carry (PyInstaller never bundles libc, libGL/libEGL or libxcb, and
it cannot bundle what the build machine lacks) is mapped to its Debian package by SONAME_PACKAGES
— Qt's xcb platform (libxcb*, libxkbcommon-x11-0, libgl1/libegl1, libfontconfig1) makes up most
of it. A library missing from that table stops the build (add it there), so the package never
installs on a machine where the program cannot start.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "tnt-desktop"
INSTALL_DIR = "/opt/tnt-desktop"
GUI_EXE = "tnt-desktop"
CLI_EXE = "tnt-desktop-cli"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)
MAINTAINER = "TNT-STS trial data management, Fujian Medical University Union Hospital <tnt-sts@fjmuuh.invalid>"  # noqa: E501

# The launcher on PATH. Without arguments (the menu entry does not use it, but a user may type
# `tnt-desktop`) it starts the desktop application; with arguments (`--version`, `--help`,
# `admin init …`, `export …`, or `--db PATH` / `--demo`, which also open the desktop program) it
# runs the console executable, the same entry point built with a console, so that output and
# prompts appear on the terminal. A bundle without the console executable falls back to the GUI
# one (identical on Linux).
LAUNCHER = f"""#!/bin/sh
# TNT Desktop launcher, installed by the {PACKAGE} package. The program is in {INSTALL_DIR};
# user data is in the user's home folder (see /usr/share/doc/{PACKAGE}/README.Debian).
APP={INSTALL_DIR}
if [ "$#" -eq 0 ] || [ ! -x "$APP/{CLI_EXE}" ]; then
    exec "$APP/{GUI_EXE}" "$@"
fi
exec "$APP/{CLI_EXE}" "$@"
"""

DESKTOP_ENTRY = f"""[Desktop Entry]
Type=Application
Version=1.0
Name=TNT Desktop
Name[zh_CN]=TNT Desktop 电子病例报告表
GenericName=Electronic case report form
GenericName[zh_CN]=电子病例报告表
Comment=eCRF of the TNT-STS trial (NCT06593899)
Comment[zh_CN]=TNT-STS 临床试验（NCT06593899）的电子病例报告表
Exec={INSTALL_DIR}/{GUI_EXE}
TryExec={INSTALL_DIR}/{GUI_EXE}
Icon={PACKAGE}
Terminal=false
StartupNotify=true
StartupWMClass={GUI_EXE}
Categories=Science;MedicalSoftware;Office;
Keywords=eCRF;CRF;clinical trial;sarcoma;TNT-STS;
Keywords[zh_CN]=电子病例报告表;临床试验;肉瘤;TNT-STS;
"""

README_DEBIAN = f"""TNT Desktop for Debian, UOS and Kylin
=====================================

The program is installed in {INSTALL_DIR}; `tnt-desktop` on PATH runs it (with arguments: the
headless commands, e.g. `tnt-desktop --version`, `tnt-desktop admin init ...`).

Where the data lives (never in {INSTALL_DIR}):

  databases   ~/.local/share/TNT-Desktop/        (TNT_DATA_DIR overrides; or any --db PATH)
  backups     backups/ beside the database        (or the folder the administrator chose)
  logs        ~/.local/state/TNT-Desktop/log/    (TNT_LOG_DIR overrides)
  preferences ~/.config/TNT-Desktop/             (TNT_CONFIG_DIR overrides)

Removing the package (apt remove, apt purge, dpkg -r, dpkg --purge) deletes only the program
files it installed. It NEVER deletes a database, a backup, a preference or a log: these are trial
records that must be kept (archiving duty of the site) and they live in the users' home folders,
which the package's maintainer scripts do not touch. Delete them by hand, after archiving, when
the trial's retention period allows it.

An upgrade replaces {INSTALL_DIR} and leaves the data alone; the new version migrates a database
to its schema itself when a user signs in, after writing an encrypted backup of it.
"""

# Maintainer scripts. They exist to document (and to keep) the rule: nothing here deletes files.
# The icon cache and the menu are refreshed by dpkg triggers of the desktop packages; the calls
# below only help systems without them, and never fail the installation.
POSTINST = """#!/bin/sh
# postinst of tnt-desktop: refresh the icon cache and the menu if the tools exist.
# It never creates, moves or deletes user data (users' home folders).
set -e
if [ "$1" = "configure" ]; then
    if command -v gtk-update-icon-cache >/dev/null 2>&1; then
        gtk-update-icon-cache -q -t /usr/share/icons/hicolor || true
    fi
    if command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database -q /usr/share/applications || true
    fi
fi
exit 0
"""

POSTRM = """#!/bin/sh
# postrm of tnt-desktop. dpkg has already removed the files the package installed.
# On purpose this script deletes NOTHING, for every action (remove, purge, upgrade, ...):
# trial databases, backups, preferences and logs live in the users' home folders
# (~/.local/share/TNT-Desktop, ~/.local/state/TNT-Desktop, ~/.config/TNT-Desktop, or the folders
# named by TNT_DATA_DIR / TNT_LOG_DIR / TNT_CONFIG_DIR) and are trial records that must be kept.
set -e
if [ "$1" = "remove" ] || [ "$1" = "purge" ]; then
    if command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database -q /usr/share/applications || true
    fi
fi
exit 0
"""

# SONAME → (Debian package, field). "Recommends" for libraries only the optional Qt plugins
# need (Wayland, EGLFS/KMS, evdev input): without them Qt uses the xcb platform (also on XWayland).
_LIBC = {
    "libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0", "librt.so.1", "libutil.so.1",
    "libresolv.so.2", "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1", "ld-linux-armhf.so.3",
    "ld-linux-loongarch-lp64d.so.1", "ld-linux-mipsn8.so.1", "ld64.so.2", "ld-linux.so.2",
}  # fmt: skip
SONAME_PACKAGES: dict[str, tuple[str, str]] = {
    **{name: ("libc6", "Depends") for name in _LIBC},
    "libcrypt.so.1": ("libcrypt1", "Depends"),
    "libstdc++.so.6": ("libstdc++6", "Depends"),
    "libgcc_s.so.1": ("libgcc-s1", "Depends"),
    "libz.so.1": ("zlib1g", "Depends"),
    # OpenGL through libglvnd (the xcb GL integrations and QtGui)
    "libGL.so.1": ("libgl1", "Depends"),
    "libGLX.so.0": ("libglx0", "Depends"),
    "libGLdispatch.so.0": ("libglvnd0", "Depends"),
    "libOpenGL.so.0": ("libopengl0", "Depends"),
    "libEGL.so.1": ("libegl1", "Depends"),
    # X11 / xcb: Qt's xcb platform plugin
    "libxcb.so.1": ("libxcb1", "Depends"),
    "libxcb-cursor.so.0": ("libxcb-cursor0", "Depends"),
    "libxcb-glx.so.0": ("libxcb-glx0", "Depends"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "Depends"),
    "libxcb-image.so.0": ("libxcb-image0", "Depends"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "Depends"),
    "libxcb-randr.so.0": ("libxcb-randr0", "Depends"),
    "libxcb-render.so.0": ("libxcb-render0", "Depends"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "Depends"),
    "libxcb-shape.so.0": ("libxcb-shape0", "Depends"),
    "libxcb-shm.so.0": ("libxcb-shm0", "Depends"),
    "libxcb-sync.so.1": ("libxcb-sync1", "Depends"),
    "libxcb-util.so.1": ("libxcb-util1", "Depends"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "Depends"),
    "libxcb-xinerama.so.0": ("libxcb-xinerama0", "Depends"),
    "libxcb-xinput.so.0": ("libxcb-xinput0", "Depends"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "Depends"),
    "libX11.so.6": ("libx11-6", "Depends"),
    "libX11-xcb.so.1": ("libx11-xcb1", "Depends"),
    "libXau.so.6": ("libxau6", "Depends"),
    "libXdmcp.so.6": ("libxdmcp6", "Depends"),
    "libXext.so.6": ("libxext6", "Depends"),
    "libXrender.so.1": ("libxrender1", "Depends"),
    "libXi.so.6": ("libxi6", "Depends"),
    "libxkbcommon.so.0": ("libxkbcommon0", "Depends"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "Depends"),
    # fonts and text
    "libfontconfig.so.1": ("libfontconfig1", "Depends"),
    "libfreetype.so.6": ("libfreetype6", "Depends"),
    "libharfbuzz.so.0": ("libharfbuzz0b", "Depends"),
    "libpng16.so.16": ("libpng16-16", "Depends"),
    "libexpat.so.1": ("libexpat1", "Depends"),
    "libbz2.so.1.0": ("libbz2-1.0", "Depends"),
    "libbrotlidec.so.1": ("libbrotli1", "Depends"),
    "libbrotlicommon.so.1": ("libbrotli1", "Depends"),
    "libglib-2.0.so.0": ("libglib2.0-0", "Depends"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "Depends"),
    "libgobject-2.0.so.0": ("libglib2.0-0", "Depends"),
    "libgio-2.0.so.0": ("libglib2.0-0", "Depends"),
    "libgmodule-2.0.so.0": ("libglib2.0-0", "Depends"),
    "libpcre2-8.so.0": ("libpcre2-8-0", "Depends"),
    "libdbus-1.so.3": ("libdbus-1-3", "Depends"),
    "libsystemd.so.0": ("libsystemd0", "Depends"),
    "libffi.so.8": ("libffi8", "Depends"),
    "liblzma.so.5": ("liblzma5", "Depends"),
    "libzstd.so.1": ("libzstd1", "Depends"),
    "liblz4.so.1": ("liblz4-1", "Depends"),
    "libcap.so.2": ("libcap2", "Depends"),
    "libgcrypt.so.20": ("libgcrypt20", "Depends"),
    "libgpg-error.so.0": ("libgpg-error0", "Depends"),
    "libuuid.so.1": ("libuuid1", "Depends"),
    "libssl.so.3": ("libssl3", "Depends"),
    "libcrypto.so.3": ("libssl3", "Depends"),
    "libsqlite3.so.0": ("libsqlite3-0", "Depends"),
    "libbsd.so.0": ("libbsd0", "Depends"),
    "libmd.so.0": ("libmd0", "Depends"),
    # optional Qt platforms and input (Wayland, EGLFS/KMS, evdev, VNC)
    "libwayland-client.so.0": ("libwayland-client0", "Recommends"),
    "libwayland-cursor.so.0": ("libwayland-cursor0", "Recommends"),
    "libwayland-egl.so.1": ("libwayland-egl1", "Recommends"),
    "libdrm.so.2": ("libdrm2", "Recommends"),
    "libgbm.so.1": ("libgbm1", "Recommends"),
    "libudev.so.1": ("libudev1", "Recommends"),
    "libinput.so.10": ("libinput10", "Recommends"),
    "libmtdev.so.1": ("libmtdev1", "Recommends"),
    "libts.so.0": ("libts0", "Recommends"),
    "libvulkan.so.1": ("libvulkan1", "Recommends"),
    "libgtk-3.so.0": ("libgtk-3-0", "Recommends"),  # the gtk3 platform theme (look only)
    "libgdk-3.so.0": ("libgtk-3-0", "Recommends"),
}
ALWAYS = {"Depends": {"libc6", "libfontconfig1"}, "Recommends": {"fonts-dejavu-core"}}


class BuildError(Exception):
    pass


# ---- version and architecture -----------------------------------------------------------------
def python_version(root: Path = ROOT) -> str:
    """`__version__` of tnt_desktop/__init__.py, read as text (no import of the package)."""
    text = (root / "tnt_desktop" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__\s*=\s*["\']([^"\']+)["\']', text, re.MULTILINE)
    if not match:
        raise BuildError("no __version__ in tnt_desktop/__init__.py")
    return match.group(1)


def debian_version(version: str) -> str:
    """PEP 440 → Debian ordering: 1.2.0rc1 → 1.2.0~rc1, 1.2.0.dev3 → 1.2.0~dev3."""
    version = re.sub(r"[.-]?(dev)(\d*)", r"~\1\2", version)
    version = re.sub(r"(?<=\d)[.-]?(a|b|rc)(\d*)", r"~\1\2", version)
    if not re.fullmatch(r"[0-9][A-Za-z0-9.+~]*", version):
        raise BuildError(f"cannot turn version {version!r} into a Debian version")
    return version


def architecture() -> str:
    return subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True,
                          check=True).stdout.strip()  # fmt: skip


# ---- what the bundle needs from the system ----------------------------------------------------
def _is_elf(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(4) == b"\x7fELF"
    except OSError:
        return False


def elf_files(bundle: Path) -> list[Path]:
    return sorted(p for p in bundle.rglob("*") if p.is_file() and not p.is_symlink()
                  and _is_elf(p))  # fmt: skip


def system_libraries(bundle: Path) -> dict[str, set[str]]:
    """SONAME → the bundle files that need it, for every library the bundle does not carry
    (resolved outside the bundle by the loader, or not found on this machine)."""
    bundle = bundle.resolve()
    files = elf_files(bundle)
    lib_dirs = sorted({str(p.parent) for p in files if ".so" in p.name})
    env = dict(os.environ, LD_LIBRARY_PATH=":".join(lib_dirs))
    needed: dict[str, set[str]] = {}
    for start in range(0, len(files), 64):
        batch = files[start:start + 64]
        out = subprocess.run(["ldd", *map(str, batch)], capture_output=True, text=True,
                             env=env).stdout  # fmt: skip
        current = str(batch[0]) if len(batch) == 1 else ""
        for line in out.splitlines():
            if not line.startswith(("\t", " ")):
                current = line.rstrip(":")
                continue
            line = line.strip()
            if "=>" in line:
                name, _, rest = line.partition("=>")
                name, rest = name.strip(), rest.strip()
                resolved = "" if rest.startswith("not found") else rest.split(" (")[0]
            else:
                resolved = line.split(" (")[0]
                name = os.path.basename(resolved)
                if not resolved.startswith("/"):  # linux-vdso.so.1, statically linked
                    continue
            if resolved and Path(resolved).resolve().is_relative_to(bundle):
                continue
            owner = os.path.relpath(current, bundle) if current else "?"
            needed.setdefault(name, set()).add(owner)
    return needed


def package_relations(bundle: Path) -> dict[str, list[str]]:
    """{"Depends": [...], "Recommends": [...]} for the bundle; BuildError for an unknown library."""
    relations = {field: set(packages) for field, packages in ALWAYS.items()}
    unknown = []
    for soname, users in sorted(system_libraries(bundle).items()):
        if soname not in SONAME_PACKAGES:
            unknown.append(f"{soname} (needed by {', '.join(sorted(users)[:3])})")
            continue
        package, field = SONAME_PACKAGES[soname]
        relations[field].add(package)
    if unknown:
        raise BuildError("the bundle needs system libraries with no Debian package in "
                         "SONAME_PACKAGES (packaging/linux/build_deb.py): " + "; ".join(unknown))
    relations["Recommends"] -= relations["Depends"]
    return {field: sorted(packages) for field, packages in relations.items()}


# ---- the package ------------------------------------------------------------------------------
def _write(path: Path, text: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)


def _normalise_modes(tree: Path) -> None:
    """Directories 0755, files 0644, executables and shared libraries 0755 (owner root via
    dpkg-deb --root-owner-group)."""
    for path in tree.rglob("*"):
        if path.is_symlink():
            continue
        if path.is_dir():
            path.chmod(0o755)
        elif path.stat().st_mode & 0o111 or _is_elf(path):
            path.chmod(0o755)
        else:
            path.chmod(0o644)


def _installed_size_kib(tree: Path) -> int:
    total = sum(p.lstat().st_size for p in tree.rglob("*") if p.is_file() or p.is_symlink())
    return (total + 1023) // 1024


def control_text(version: str, arch: str, relations: dict[str, list[str]], size_kib: int) -> str:
    lines = [
        f"Package: {PACKAGE}",
        f"Version: {version}",
        "Section: science",
        "Priority: optional",
        f"Architecture: {arch}",
        f"Maintainer: {MAINTAINER}",
        f"Installed-Size: {size_kib}",
    ]
    for field in ("Depends", "Recommends"):
        if relations.get(field):
            lines.append(f"{field}: {', '.join(relations[field])}")
    lines += [
        "Homepage: https://clinicaltrials.gov/study/NCT06593899",
        "Description: eCRF of the TNT-STS trial (NCT06593899)",
        " TNT Desktop is the offline electronic case report form of the phase 2 trial Total",
        " Neoadjuvant Therapy for Soft Tissue Sarcoma of the Extremities, in Simplified Chinese",
        " and English, with an encrypted (SQLCipher) database per site.",
        " .",
        " User data (databases, backups, logs, preferences) live in the users' home folders;",
        " removing or purging this package never deletes them.",
    ]
    return "\n".join(lines) + "\n"


def build_deb(bundle: Path, out_dir: Path, *, version: str | None = None,
              arch: str | None = None, compression: str = "xz",
              icons: Path | None = None) -> Path:  # fmt: skip
    """Build `out_dir/tnt-desktop_<version>_<arch>.deb` from the bundle folder; returns its path."""
    bundle = Path(bundle)
    if not (bundle / GUI_EXE).is_file():
        raise BuildError(f"{bundle} is not a TNT Desktop bundle (no {GUI_EXE} executable)")
    icons = icons or ROOT / "resources" / "icons"
    missing = [f"{PACKAGE}-{s}.png" for s in ICON_SIZES
               if not (icons / f"{PACKAGE}-{s}.png").exists()]  # fmt: skip
    if missing or not (icons / f"{PACKAGE}.svg").exists():
        raise BuildError(f"icons missing in {icons} (run packaging/make_icons.py): {missing}")
    version = debian_version(version or python_version())
    arch = arch or architecture()
    relations = package_relations(bundle)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{PACKAGE}_{version}_{arch}.deb"
    with tempfile.TemporaryDirectory(prefix="tnt-deb-", dir=out_dir) as scratch:
        tree = Path(scratch) / "root"
        shutil.copytree(bundle, tree / INSTALL_DIR.lstrip("/"), symlinks=True)
        _write(tree / "usr/bin" / PACKAGE, LAUNCHER, 0o755)
        _write(tree / "usr/share/applications" / f"{PACKAGE}.desktop", DESKTOP_ENTRY)
        _write(tree / "usr/share/doc" / PACKAGE / "README.Debian", README_DEBIAN)
        hicolor = tree / "usr/share/icons/hicolor"
        for size in ICON_SIZES:
            dest = hicolor / f"{size}x{size}" / "apps" / f"{PACKAGE}.png"
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(icons / f"{PACKAGE}-{size}.png", dest)
        (hicolor / "scalable/apps").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(icons / f"{PACKAGE}.svg", hicolor / "scalable/apps" / f"{PACKAGE}.svg")
        _normalise_modes(tree)
        size = _installed_size_kib(tree)
        debian = tree / "DEBIAN"
        _write(debian / "control", control_text(version, arch, relations, size))
        _write(debian / "postinst", POSTINST, 0o755)
        _write(debian / "postrm", POSTRM, 0o755)
        debian.chmod(0o755)
        result = subprocess.run(
            ["dpkg-deb", "--root-owner-group", f"-Z{compression}", "--build", str(tree),
             str(target)], capture_output=True, text=True)  # fmt: skip
        if result.returncode != 0:
            raise BuildError(f"dpkg-deb failed: {result.stderr.strip() or result.stdout.strip()}")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the TNT Desktop .deb from a bundle folder.")
    parser.add_argument("bundle", type=Path, help="the PyInstaller folder (dist/tnt-desktop)")
    parser.add_argument("--out", type=Path, default=Path("dist"), help="where the .deb goes")
    parser.add_argument("--version", help="override the version (default: __version__)")
    parser.add_argument("-Z", dest="compression", default="xz", choices=("xz", "gzip", "none"),
                        help="compression of the package (xz: smallest; gzip: fast)")
    args = parser.parse_args(argv)
    try:
        path = build_deb(args.bundle, args.out, version=args.version,
                         compression=args.compression)  # fmt: skip
    except BuildError as exc:
        print(f"build_deb: {exc}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
