"""The ODM writer streams (issue 5, items 1 and 3): one writer for a file and a package entry,
audit entries read in batches, ClinicalData spooled on disk or deflated in memory.

A subject with a long history (many corrections of one value) is exported with the audit trail
read a few rows at a time and in one go; both files, and the same file written to an in-memory
stream, must be byte-identical apart from the creation stamp. (Before this change the same
exports were compared with the previous implementation on a demo database with 300 corrections
of one subject and on the 5,000-subject benchmark database: identical.)
"""

from __future__ import annotations

import io
import re

import pytest
from lxml import etree

from tests.core.conftest import audit_entries, enrol_one
from tnt_desktop.exports import odm_export, odm_subject
from tnt_desktop.exports.odm_export import (
    CHUNK,
    FileSpool,
    MemorySpool,
    export_odm,
    write_odm,
)
from tnt_desktop.exports.odm_metadata import ODM_NS
from tnt_desktop.exports.odm_schema import odm_schema_path
from tnt_desktop.services import export_read
from tnt_desktop.services.export_read import ExportProfile, iter_subject_audit, subject_audit
from tnt_desktop.services.form_entries import FormEntry
from tnt_desktop.services.form_entry import save_form

SCHEMA_DIR = odm_schema_path().parent
N = f"{{{ODM_NS}}}"
SITE = ExportProfile.SITE_ARCHIVE
STAMP = re.compile(rb'(CreationDateTime|FileOID)="[^"]*"')
CORRECTIONS = 40


@pytest.fixture
def long_history(trial, coordinator) -> tuple[str, str]:
    """A subject whose weight was corrected CORRECTIONS times, then cleared as NOT DONE and
    entered again; returns (screening number, study ID)."""
    subject_id = enrol_one(coordinator)
    for n in range(CORRECTIONS):
        save_form(coordinator, FormEntry(subject_id, "SE.SCR", "DM",
                                         values={"WEIGHT": f"{60 + n}.{n % 10}"},
                                         reason="TRANSCRIPTION_ERROR",
                                         reason_text=f"correction {n} 更正"))  # fmt: skip
    save_form(coordinator, FormEntry(subject_id, "SE.SCR", "DM", values={"WEIGHT": ""},
                                     missing={"WEIGHT": "NOT DONE"}, reason="OTHER",
                                     reason_text="scale broken"))  # fmt: skip
    save_form(coordinator, FormEntry(subject_id, "SE.SCR", "DM", values={"WEIGHT": "71.0"},
                                     reason="TRANSCRIPTION_ERROR"))  # fmt: skip
    screening = audit_entries(coordinator, action="SUBJECT_SCREENED")[-1].subject_key
    return screening, subject_id


def same_file(a: bytes, b: bytes) -> bool:
    return STAMP.sub(b"", a) == STAMP.sub(b"", b)


def test_the_trail_read_in_batches_is_the_trail_of_both_keys(coordinator, long_history,
                                                             monkeypatch):  # fmt: skip
    screening, subject_id = long_history
    merged = {v.id: v for key in long_history for v in subject_audit(coordinator, key, SITE)}
    expected = [merged[i] for i in sorted(merged)]
    assert len(expected) > 3 * CORRECTIONS  # the corrections and their derivations
    assert {v.subject_key for v in audit_entries(coordinator) if v.id in merged} == {
        screening, subject_id}  # the history really is filed under both keys
    monkeypatch.setattr(export_read, "AUDIT_BATCH", 7)
    assert list(iter_subject_audit(coordinator, [screening, subject_id, None], SITE)) == expected
    assert list(iter_subject_audit(coordinator, [None], SITE)) == []


@pytest.mark.req("REQ-AT-07")
def test_a_long_history_exports_the_same_in_batches_and_in_memory(
        coordinator, long_history, tmp_path, monkeypatch):  # fmt: skip
    _screening, subject_id = long_history
    out = tmp_path / "out"
    whole = export_odm(coordinator, out / "whole.xml", profile=SITE, transactional=True)
    monkeypatch.setattr(export_read, "AUDIT_BATCH", 3)
    batched = export_odm(coordinator, out / "batched.xml", profile=SITE, transactional=True)
    memory = io.BytesIO()
    written = write_odm(coordinator, memory, profile=SITE, transactional=True)
    data = whole.path.read_bytes()
    assert same_file(data, batched.path.read_bytes())
    assert same_file(data, memory.getvalue())
    assert written.size == len(memory.getvalue()) and written.file_type == "Transactional"
    assert (written.stats.audit_records, written.stats.item_data) == (
        whole.audit_records, whole.item_data)
    assert sorted(p.name for p in out.iterdir()) == [
        "batched.xml", "batched.xml.sha256", "whole.xml", "whole.xml.sha256"]  # no part file

    tree = etree.parse(str(whole.path))
    schema = etree.XMLSchema(etree.parse(str(SCHEMA_DIR / "ODM1-3-2.xsd")))
    assert schema.validate(tree), list(schema.error_log)[:3]
    # every change of the weight, in chain order, each with its own AuditRecord
    changes = [e for e in audit_entries(coordinator, item_name="WEIGHT", form_code="DM")
               if e.action in odm_subject.DATA_ACTIONS]  # fmt: skip
    subject = next(s for s in tree.iter(f"{N}SubjectData") if s.get("SubjectKey") == subject_id)
    weights = [i for i in subject.iter(f"{N}ItemData") if i.get("ItemOID") == "IT.DM.WEIGHT"]
    assert [w.findtext(f"{N}AuditRecord/{N}SourceID") for w in weights] == [
        f"AUD-{e.id:06d}" for e in changes]
    assert len(weights) == CORRECTIONS + 3
    assert [w.get("TransactionType") for w in weights[-3:]] == ["Update", "Update", "Update"]
    assert weights[-2].get("IsNull") == "Yes"
    assert weights[-2].findtext(f"{N}Annotation/{N}Comment") == "NOT DONE"
    assert weights[-1].get("Value") == "71.0"
    assert weights[1].findtext(f"{N}AuditRecord/{N}ReasonForChange") == \
        "TRANSCRIPTION_ERROR: correction 0 更正"


def test_the_memory_spool_gives_back_what_it_was_given():
    spool = MemorySpool()
    text = b"".join(f"<ItemData ItemOID='IT.{n}' Value='{n * 7}'/>".encode()
                    for n in range(200_000))  # fmt: skip
    zeros = bytes(40 * CHUNK)  # deflates ~1000:1: decompression must still come in CHUNKs
    for start in range(0, len(text), 5000):
        spool.write(text[start:start + 5000])
    spool.write(zeros)
    assert spool.compressed < (len(text) + len(zeros)) / 10
    chunks = list(spool.chunks())
    assert b"".join(chunks) == text + zeros
    assert max(len(c) for c in chunks) <= CHUNK
    spool.close()


def test_a_failure_half_way_leaves_no_part_file(coordinator, long_history, tmp_path,
                                                monkeypatch):  # fmt: skip
    real = odm_export.transactional_subject
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        real(*args, **kwargs)
        raise RuntimeError("disk pulled out")

    spools = []
    real_spool = FileSpool.__init__

    def spy_spool(self, folder, name):
        real_spool(self, folder, name)
        spools.append(self.path)

    monkeypatch.setattr(odm_export, "transactional_subject", failing)
    monkeypatch.setattr(FileSpool, "__init__", spy_spool)
    with pytest.raises(RuntimeError, match="disk pulled out"):
        export_odm(coordinator, tmp_path / "out" / "x.xml", profile=SITE, transactional=True)
    assert calls and spools and spools[0].parent == tmp_path / "out"
    assert list((tmp_path / "out").iterdir()) == []

    cancelled = MemorySpool()
    with pytest.raises(KeyboardInterrupt):
        write_odm(coordinator, io.BytesIO(), profile=SITE, spool=cancelled,
                  check=lambda: (_ for _ in ()).throw(KeyboardInterrupt()))  # fmt: skip
    assert not cancelled._parts  # closed: the deflated ClinicalData is freed
