"""Off-site anchors (issue 14 point 4, issue 17 point 2): every export package names where it
comes from and the signed audit-chain head it was cut at, and links to the package before it.

The manifest's `origin` (these key names are read by the sponsor's store; keep them):

    "origin": {"site": "01", "workstation": 1, "sequence": N,
               "previous_package_sha256": <hex of the previous package file> | null,
               "chain_head": {"sequence": <audit entry id>, "hash": …, "signature": …,
                              "signer": <user name>}}

`sequence` counts this workstation's packages (1, 2, …; setting `package.sequence`);
`previous_package_sha256` is the SHA-256 of the previous package file (`package.last_sha256`).
Beside it, `chain_link` gives the hash the audit entry that was the *previous* package's chain
head has *now*: if anyone rewrote the trail up to that point between the two exports (even
recomputing every hash), it differs from what the sponsor already holds, and `package open
--previous` (or the sponsor's store) refuses the newer package.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from tnt_desktop.services.session import AppSession
from tnt_desktop.storage.audit import HEAD_KEY
from tnt_desktop.storage.bulk import read_setting_value, write_setting_value
from tnt_desktop.storage.models import AuditEntry, ChainSignature

SEQUENCE = "package.sequence"
LAST_SHA256 = "package.last_sha256"
LAST_HEAD = "package.last_chain_head"  # "<audit id>:<hash>" of the previous package


def package_origin(app: AppSession) -> tuple[dict, dict | None]:
    """(origin, chain_link) for the next package of this workstation."""
    with app.transaction(write=False) as session:
        sequence = int(read_setting_value(session, SEQUENCE) or 0) + 1
        head = read_setting_value(session, HEAD_KEY) or "0:"
        head_id, head_hash = int(head.split(":", 1)[0]), head.split(":", 1)[1]
        signature = session.get(ChainSignature, head_id)
        origin = {
            "site": app.db.site_id,
            "workstation": app.db.workstation,
            "sequence": sequence,
            "previous_package_sha256": read_setting_value(session, LAST_SHA256),
            "chain_head": {
                "sequence": head_id, "hash": head_hash,
                "signature": signature.signature if signature else None,
                "signer": signature.username if signature else None,
            },
        }  # fmt: skip
        link = None
        last = read_setting_value(session, LAST_HEAD)
        if last:
            last_id = int(last.split(":", 1)[0])
            entry = session.get(AuditEntry, last_id)
            link = {"sequence": last_id, "hash": entry.hash if entry is not None else None}
    return origin, link


def record_package(session: Session, origin: dict, package_sha256: str) -> None:
    """Inside the export's own transaction: this package is now the previous one."""
    head = origin["chain_head"]
    write_setting_value(session, SEQUENCE, str(origin["sequence"]))
    write_setting_value(session, LAST_SHA256, package_sha256)
    write_setting_value(session, LAST_HEAD, f"{head['sequence']}:{head['hash']}")
