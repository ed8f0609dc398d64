"""Opening a transfer package (exports.package): the companion hash, OpenPGP decryption and
integrity, every manifest entry checked — and the site's signature on it (issue 14): the
site's key, the signer, and the chain from one package to the next."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pysequoia

from tnt_desktop.errors import OutputError, UsageError
from tnt_desktop.exports.package import (
    HASH_SUFFIX,
    MANIFEST_NAME,
    BadSecretKey,
    PackageError,
    PackageWrongKey,
    damaged,
    manifest_bytes,
    sha256_bytes,
    sha256_file,
)
from tnt_desktop.exports.package_memory import clean_rel
from tnt_desktop.study.model import Text


# ---- the site's signature (issue 14) -------------------------------------------------------------
class PackageNoSiteKey(UsageError):
    def __init__(self) -> None:
        super().__init__(
            Text("this account holds no site signing key, so it cannot sign a package: packages "
                 "are signed by the data manager or the administrator; in a database made "
                 "before signing keys, the administrator resets the data manager's password once",
                 "此账户没有中心签名密钥，无法签署数据包：数据包由数据管理员或系统管理员签署；"
                 "对于在签名密钥之前创建的数据库，请管理员为数据管理员重置一次密码")
        )  # fmt: skip


class PackageNotSigned(PackageError):
    def __init__(self, path: object, site_key: object) -> None:
        super().__init__(
            Text(f"the package {path} was refused: it is not signed by the site key in "
                 f"{site_key} (it was made, or re-made, by someone else). Nothing was "
                 "extracted; ask the site for the package and check that the site key file is "
                 "the one the site exported with `tnt-desktop admin site-key`",
                 f"已拒绝数据包 {path}：它并非由 {site_key} 中的中心密钥签署（由他人生成或重新"
                 "生成）。未解出任何文件；请向研究中心索取数据包，并确认中心密钥文件是中心用 "
                 "`tnt-desktop admin site-key` 导出的那一份")
        )  # fmt: skip


class PackageChainBroken(PackageError):
    def __init__(self, path: object, previous: object, why: Text) -> None:
        super().__init__(
            Text(f"the package {path} does not continue {previous}: {why.en}. The site's "
                 "history may have been rewritten between the two exports; keep both packages "
                 "and ask the site to run `tnt-desktop admin verify`",
                 f"数据包 {path} 未能接续 {previous}：{why.zh}。两次导出之间研究中心的历史记录"
                 "可能被改写；请保留两个数据包，并请研究中心运行 `tnt-desktop admin verify`")
        )  # fmt: skip


def site_signer(site_pgp: str | None):
    """A pysequoia signer from the site's OpenPGP secret key (held in a key slot)."""
    if not site_pgp:
        raise PackageNoSiteKey()
    return pysequoia.Tsk.from_bytes(site_pgp.encode()).signer()


def load_site_key(path: Path) -> pysequoia.Cert:
    """The site's OpenPGP public key (as `admin site-key --out` wrote it)."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise UsageError(Text(f"no key file at {path}", f"未找到密钥文件：{path}")) from None
    try:
        return pysequoia.Cert.from_bytes(raw)
    except Exception:
        raise UsageError(Text(f"{path} is not an OpenPGP public key",
                              f"{path} 不是 OpenPGP 公钥")) from None  # fmt: skip


def check_chain(new: OpenedPackage, previous: OpenedPackage) -> None:
    """Does `new` continue `previous` (the same workstation's package before it)? The origin
    names the same site and workstation, the next sequence number and the SHA-256 of the
    previous package file; and the audit entry that was the previous chain head still has the
    hash it had then (`chain_link`), so no entry up to it was rewritten in between."""
    def fail(en: str, zh: str) -> PackageChainBroken:
        return PackageChainBroken(new.path, previous.path, Text(en, zh))

    old, cur = previous.manifest.get("origin") or {}, new.manifest.get("origin") or {}
    if not old or not cur:
        raise fail("a package has no origin (made before chained packages)",
                   "有数据包没有来源信息（在链式数据包之前生成）")
    if (old.get("site"), old.get("workstation")) != (cur.get("site"), cur.get("workstation")):
        raise fail("they come from different workstations", "两者来自不同的工作站")
    if cur.get("sequence") != (old.get("sequence") or 0) + 1:
        raise fail(f"its sequence is {cur.get('sequence')}, not {old.get('sequence', 0) + 1} "
                   "(a package is missing in between, or they are in the wrong order)",
                   f"其序号为 {cur.get('sequence')}，而非 {old.get('sequence', 0) + 1}"
                   "（中间缺少数据包，或顺序颠倒）")  # fmt: skip
    if cur.get("previous_package_sha256") != sha256_file(previous.path):
        raise fail("it names another previous package (SHA-256 differs)",
                   "其记录的上一个数据包不同（SHA-256 不一致）")
    old_head = old.get("chain_head") or {}
    link = new.manifest.get("chain_link") or {}
    if old_head.get("sequence") is not None and (
            link.get("sequence") != old_head.get("sequence")
            or link.get("hash") != old_head.get("hash")):  # fmt: skip
        raise fail(f"audit entry {old_head.get('sequence')} no longer has the hash it had in the "
                   "previous package: the audit trail was rewritten",
                   f"第 {old_head.get('sequence')} 条稽查记录的散列与上一个数据包中的不同："
                   "稽查轨迹已被改写")  # fmt: skip
    if (cur.get("chain_head") or {}).get("sequence", 0) < old_head.get("sequence", 0):
        raise fail("its audit trail is shorter than the previous one's",
                   "其稽查轨迹比上一个数据包的更短")


# ---- opening -------------------------------------------------------------------------------------
@dataclass
class OpenedPackage:
    path: Path
    root: str
    manifest: dict
    files: dict[str, bytes]  # relative path → content, every one verified against the manifest
    companion_checked: bool
    signed_by_site: bool = False  # the site key given to open_package signed it

    @property
    def subject_count(self) -> int:
        return int(self.manifest.get("subjects", {}).get("count", 0))

    def extract(self, out_dir: Path) -> Path:
        """Write the verified files under `out_dir/root/`; refuses to overwrite a folder."""
        target = Path(out_dir) / self.root
        if target.exists() and any(target.iterdir()):
            raise OutputError(Text(f"{target} already exists and is not empty",
                                   f"{target} 已存在且非空"))  # fmt: skip
        for rel, data in self.files.items():
            dest = target.joinpath(*rel.split("/"))
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
        (target / MANIFEST_NAME).write_bytes(manifest_bytes(self.manifest))
        return target


def read_secret_key(path: Path, key_passphrase: str | None = None):
    """A decryptor from an OpenPGP secret key file (armored or binary)."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise UsageError(Text(f"no key file at {path}", f"未找到密钥文件：{path}")) from None
    try:
        tsk = pysequoia.Tsk.from_bytes(raw)
    except Exception:
        raise BadSecretKey(path, Text("it is not an OpenPGP key", "不是 OpenPGP 密钥")) from None
    if not _has_secret(tsk):
        raise BadSecretKey(path, Text("it holds no secret key material (a public key?)",
                                      "其中没有私钥（可能是公钥）"))  # fmt: skip
    try:
        return tsk.decryptor(key_passphrase)
    except Exception:
        raise BadSecretKey(
            path, Text("it has no usable decryption key, or its passphrase is wrong or missing",
                       "没有可用的解密密钥，或其口令错误或缺失")
        ) from None  # fmt: skip


def _has_secret(tsk: pysequoia.Tsk) -> bool:
    return "PRIVATE KEY BLOCK" in str(tsk)  # Cert.has_secret_keys is deprecated in pysequoia


def open_package(path: Path, *, decryptor=None, passphrase: str | None = None,
                 expected_sha256: str | None = None, site_key: pysequoia.Cert | None = None,
                 site_key_path: object = None) -> OpenedPackage:  # fmt: skip
    """Decrypt and verify a package in memory. Raises PackageDamaged / PackageWrongKey, and
    with `site_key` PackageNotSigned unless the site's key signed it."""
    path = Path(path)
    if decryptor is None and not passphrase:
        raise UsageError(Text("give the secret key or the passphrase of the package",
                              "请提供私钥或数据包口令"))  # fmt: skip
    try:
        ciphertext = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(Text(f"no package at {path}", f"未找到数据包：{path}")) from None
    if not ciphertext:
        raise damaged(path, "the file is empty", "文件为空")
    companion = path.with_name(path.name + HASH_SUFFIX)
    if expected_sha256 is None and companion.is_file():
        first = companion.read_text(encoding="utf-8", errors="replace").split()
        expected_sha256 = first[0] if first else ""
    if expected_sha256 is not None and sha256_bytes(ciphertext) != expected_sha256.lower():
        raise damaged(path, "its SHA-256 differs from the one recorded when it was made "
                       f"({companion.name})",
                       f"其 SHA-256 与生成时记录的不一致（{companion.name}）")  # fmt: skip
    def check_site(_ids):  # pysequoia fails the decryption if no signature verifies
        return [site_key]

    store = check_site if site_key is not None else None
    try:
        if decryptor is not None:
            decrypted = pysequoia.decrypt(ciphertext, decryptor=decryptor, store=store)
        else:
            decrypted = pysequoia.decrypt(ciphertext, passwords=[passphrase], store=store)
        plain = decrypted.bytes
        signed = [s.certificate for s in decrypted.valid_sigs]
    except Exception as exc:
        first_line = (str(exc).splitlines() or [""])[0].lower()
        if "no key to decrypt" in first_line:
            raise PackageWrongKey(path) from None
        if site_key is not None and "signature" in first_line:
            raise PackageNotSigned(path, site_key_path or site_key.fingerprint) from None
        raise damaged(path, "the encrypted data do not decrypt intact (integrity check failed)",
                       "加密数据无法完整解密（完整性校验失败）") from None  # fmt: skip
    if plain is None:
        raise damaged(path, "the encrypted data are empty", "加密数据为空")
    if site_key is not None and site_key.fingerprint.lower() not in {
            str(f).lower() for f in signed}:  # fmt: skip
        raise PackageNotSigned(path, site_key_path or site_key.fingerprint)
    opened = _verify_archive(path, plain, expected_sha256 is not None)
    opened.signed_by_site = site_key is not None
    return opened


def _verify_archive(path: Path, plain: bytes, companion_checked: bool) -> OpenedPackage:
    try:
        zf = zipfile.ZipFile(io.BytesIO(plain))
    except zipfile.BadZipFile:
        raise damaged(path, "the decrypted content is not a ZIP archive",
                       "解密后的内容不是 ZIP 归档") from None  # fmt: skip
    with zf:
        names = [i.filename for i in zf.infolist() if not i.is_dir()]
        roots = {n.split("/", 1)[0] for n in names}
        if len(roots) != 1:
            raise damaged(path, "the archive does not hold exactly one export folder",
                           "归档中并非恰好一个导出文件夹")  # fmt: skip
        root = roots.pop()
        try:
            manifest = json.loads(zf.read(f"{root}/{MANIFEST_NAME}"))
        except KeyError:
            raise damaged(path, "the manifest is missing", "缺少清单文件") from None
        except (ValueError, zipfile.BadZipFile, OSError):
            raise damaged(path, "the manifest cannot be read", "清单文件无法读取") from None
        listed = manifest.get("files") if isinstance(manifest, dict) else None
        if not isinstance(listed, list):
            raise damaged(path, "the manifest lists no files", "清单未列出任何文件")
        files: dict[str, bytes] = {}
        bad: list[str] = []
        for entry in listed:
            try:
                rel = clean_rel(entry["path"])
                data = zf.read(f"{root}/{rel}")
            except (KeyError, TypeError, ValueError):
                bad.append(str(entry.get("path") if isinstance(entry, dict) else entry))
                continue
            except (zipfile.BadZipFile, OSError, EOFError):  # CRC or stream damage
                bad.append(rel)
                continue
            if sha256_bytes(data) != entry.get("sha256") or len(data) != entry.get("bytes"):
                bad.append(rel)
                continue
            files[rel] = data
        if bad:
            shown = ", ".join(bad[:5]) + (f" (+{len(bad) - 5})" if len(bad) > 5 else "")
            raise damaged(path, f"{len(bad)} file(s) do not match the manifest: {shown}",
                           f"{len(bad)} 个文件与清单不符：{shown}")  # fmt: skip
        extra = sorted(set(names) - {f"{root}/{r}" for r in files} - {f"{root}/{MANIFEST_NAME}"})
        if extra:
            raise damaged(path, f"{len(extra)} file(s) are not in the manifest: {extra[0]}",
                           f"{len(extra)} 个文件不在清单中：{extra[0]}")  # fmt: skip
    return OpenedPackage(path, root, manifest, files, companion_checked)
