"""Study settings of the periodic sponsor export (issue 5, item 5).

- "export.every_days" — how often the sponsor expects an export (default 7: weekly).
- "export.sponsor_key" — the sponsor's OpenPGP public key (armored text). Packages are encrypted
  to it; without it a package needs a passphrase. It is checked when set: it must parse, must be
  a *public* key (a secret key is refused, so the sponsor's private key never sits in the site
  database), must not be revoked or expired, and must be able to receive an encrypted message.
- "export.last_utc" — written by `export_read.record_export` after every export.

Every change goes through `write_setting` (SETTING_CHANGED old → new in the audit trail). The
schedule and the key may be changed by the administrator (Permission.CHANGE_SETTINGS) or the
data manager (Permission.EXPORT), who is the one who exchanges keys with the sponsor.

`export_due(app, today)` tells the GUI whether an export is due and from when.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pysequoia

from tnt_desktop.errors import TntError
from tnt_desktop.services.permissions import Permission, allowed
from tnt_desktop.services.session import AppSession
from tnt_desktop.services.settings import read_setting, write_setting
from tnt_desktop.study.model import Text

EVERY_DAYS_KEY = "export.every_days"
SPONSOR_KEY_KEY = "export.sponsor_key"
LAST_KEY = "export.last_utc"
DEFAULT_EVERY_DAYS = 7
MAX_EVERY_DAYS = 366


class BadSponsorKey(TntError):
    """The text given as the sponsor's public key is not a usable OpenPGP public key."""

    def __init__(self, why: Text, source: object = None) -> None:
        where_en = f"{source} is " if source is not None else ""
        where_zh = f"{source} " if source is not None else ""
        super().__init__(
            Text(f"{where_en}not a usable OpenPGP public key: {why.en}",
                 f"{where_zh}不是可用的 OpenPGP 公钥：{why.zh}")
        )  # fmt: skip
        self.why = why


@dataclass(frozen=True)
class SponsorKey:
    armored: str
    fingerprint: str  # upper-case hex, as gpg prints it
    user_ids: tuple[str, ...]
    expires_utc: datetime | None

    def cert(self) -> pysequoia.Cert:
        return pysequoia.Cert.from_bytes(self.armored.encode("ascii"))

    @property
    def label(self) -> str:
        """'Name <mail> (FPR)' — what the GUI and the export log show as the recipient."""
        who = self.user_ids[0] if self.user_ids else "OpenPGP key"
        return f"{who} ({self.fingerprint})"


@dataclass(frozen=True)
class ExportSettings:
    every_days: int
    sponsor_key: SponsorKey | None
    last_utc: datetime | None


@dataclass(frozen=True)
class ExportDue:
    """Truthy when an export is due. `since` is the day it became (or becomes) due."""

    due: bool
    since: date
    last_utc: datetime | None
    every_days: int

    def __bool__(self) -> bool:
        return self.due

    def message(self) -> Text:
        if self.last_utc is None:
            return Text("no export has been made yet; an export is due",
                        "尚未进行过导出；需要导出")  # fmt: skip
        day = self.since.isoformat()
        if self.due:
            return Text(f"an export is due (since {day}; every {self.every_days} days)",
                        f"需要导出（自 {day} 起；每 {self.every_days} 天一次）")  # fmt: skip
        return Text(f"next export due on {day} (every {self.every_days} days)",
                    f"下次导出日期：{day}（每 {self.every_days} 天一次）")  # fmt: skip


# ---- parsing the key ---------------------------------------------------------------------------
def parse_public_key(data: str | bytes) -> SponsorKey:
    """Check an OpenPGP public key (armored or binary) and return it in armored form."""
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if not raw.strip():
        raise BadSponsorKey(Text("the key is empty", "密钥为空"))
    if b"PRIVATE KEY BLOCK" in raw:
        raise BadSponsorKey(Text("this is a secret (private) key; give the sponsor's public key",
                                 "这是私钥；请提供申办方的公钥"))  # fmt: skip
    try:
        certs = pysequoia.Cert.split_bytes(raw)
    except Exception:  # pysequoia raises plain exceptions for malformed input
        raise BadSponsorKey(Text("the text cannot be read as an OpenPGP key",
                                 "无法将该内容解析为 OpenPGP 密钥")) from None  # fmt: skip
    if len(certs) != 1:
        raise BadSponsorKey(Text(f"expected one key, found {len(certs)}",
                                 f"应为一个密钥，实际为 {len(certs)} 个"))  # fmt: skip
    cert = certs[0]
    if _holds_secret(raw):
        raise BadSponsorKey(Text("this is a secret (private) key; give the sponsor's public key",
                                 "这是私钥；请提供申办方的公钥"))  # fmt: skip
    if cert.is_revoked:
        raise BadSponsorKey(Text("the key has been revoked", "该密钥已被吊销"))
    expires = cert.expiration
    if expires is not None and expires.astimezone(UTC) <= datetime.now(UTC):
        raise BadSponsorKey(Text(f"the key expired on {expires.date().isoformat()}",
                                 f"该密钥已于 {expires.date().isoformat()} 过期"))  # fmt: skip
    try:  # an encryption-capable, valid subkey is what a package needs
        pysequoia.encrypt(b"probe", recipients=[cert], armor=False)
    except Exception:
        why = Text("the key cannot receive encrypted messages (no valid encryption subkey)",
                   "该密钥无法用于加密（没有有效的加密子密钥）")
        raise BadSponsorKey(why) from None
    return SponsorKey(
        armored=str(cert), fingerprint=cert.fingerprint.upper(),
        user_ids=tuple(str(u) for u in cert.user_ids), expires_utc=expires,
    )  # fmt: skip


def _holds_secret(raw: bytes) -> bool:
    """Does this (single) key carry secret key material? (Cert.has_secret_keys is deprecated
    in pysequoia; a TSK with secrets serialises as a PRIVATE KEY BLOCK.)"""
    try:
        return "PRIVATE KEY BLOCK" in str(pysequoia.Tsk.from_bytes(raw))
    except Exception:
        return False


# ---- reading and writing -----------------------------------------------------------------------
def _require_settings(app: AppSession) -> None:
    app.require(Permission.EXPORT if allowed(app.role, Permission.EXPORT)
                else Permission.CHANGE_SETTINGS)  # fmt: skip


def _parse_utc(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return None


def export_settings(app: AppSession) -> ExportSettings:
    """The schedule, the sponsor key (None if unset) and the last export time (readable by all)."""
    with app.transaction(write=False) as session:
        days = read_setting(session, EVERY_DAYS_KEY)
        key = read_setting(session, SPONSOR_KEY_KEY)
        last = read_setting(session, LAST_KEY)
    try:
        every = int(days) if days else DEFAULT_EVERY_DAYS
    except ValueError:
        every = DEFAULT_EVERY_DAYS
    sponsor = None
    if key:
        try:
            sponsor = parse_public_key(key)
        except BadSponsorKey:
            sponsor = None  # expired or revoked since it was set: treated as not configured
    return ExportSettings(every, sponsor, _parse_utc(last))


def sponsor_key(app: AppSession) -> SponsorKey | None:
    return export_settings(app).sponsor_key


def set_export_schedule(app: AppSession, every_days: int) -> None:
    """Days between exports (1–366), audited."""
    _require_settings(app)
    if isinstance(every_days, bool) or not isinstance(every_days, int) \
            or not 1 <= every_days <= MAX_EVERY_DAYS:
        raise TntError(Text(f"the export interval must be 1–{MAX_EVERY_DAYS} days",
                            f"导出间隔须为 1–{MAX_EVERY_DAYS} 天"))  # fmt: skip
    with app.transaction() as session:
        write_setting(app, session, EVERY_DAYS_KEY, str(every_days))


def set_sponsor_key(app: AppSession, key: str | bytes | None) -> SponsorKey | None:
    """Store the sponsor's public key (validated; armored), or remove it with None/''. Audited."""
    _require_settings(app)
    parsed = None
    if key is not None and (key.strip() if isinstance(key, str) else bytes(key).strip()):
        parsed = parse_public_key(key)
    with app.transaction() as session:
        write_setting(app, session, SPONSOR_KEY_KEY, parsed.armored if parsed else "")
    return parsed


def export_due(app: AppSession, today: date | None = None) -> ExportDue:
    """Is an export due on `today` (local date)? Never exported → due since today."""
    today = today or date.today()
    settings = export_settings(app)
    if settings.last_utc is None:
        return ExportDue(True, today, None, settings.every_days)
    last_local = settings.last_utc.astimezone().date()
    since = last_local + timedelta(days=settings.every_days)
    return ExportDue(today >= since, since, settings.last_utc, settings.every_days)
