"""REQ-PI-04 (issue 15, item 3): free text is scanned for personal identifiers before a sponsor
export; a hit is withheld from every file, listed in the export log and raised to the site as a
query. Also (item 2): a casebook carries its signatures with the signer's role, in both
languages. The patterns are unit-tested (Hypothesis, 200 examples, deadline off: pure
functions); the rest runs one real export of a small demo database."""

from __future__ import annotations

import random
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tnt_desktop.demo import generate_demo
from tnt_desktop.exports.run_export import run_export
from tnt_desktop.services import auth
from tnt_desktop.services.casebook import form_values
from tnt_desktop.services.export_read import export_log, export_subjects
from tnt_desktop.services.form_entries import FormEntry, RowEntry
from tnt_desktop.services.form_entry import save_form
from tnt_desktop.services.free_text_scan import (
    CHECK_ID,
    MARKER,
    FreeTextScan,
    Identifiers,
    id_checksum_ok,
    normalise,
)
from tnt_desktop.services.queries import answer_query, list_queries, raise_query

TODAY = date(2026, 3, 16)
PASSWORD = "Demo-Pass-2468"
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def with_check(body: str) -> str:
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_id_checksum_accepts_exactly_the_right_check_character(body):
    right = with_check(body)
    assert id_checksum_ok(right)
    for wrong in "0123456789X":
        if wrong != right[-1]:
            assert not id_checksum_ok(body + wrong)


class _App:  # the scan's only needs: the study and no record-number setting
    def __init__(self):
        from tnt_desktop.study.definition import get_study

        self.study = get_study()


def scan(pattern: str | None = None) -> FreeTextScan:
    return FreeTextScan(_App(), record_pattern=pattern or "")  # type: ignore[arg-type]


IDS = Identifiers({"NAME": "王小明", "NAME2": "Wang Xiaoming", "PHONE": "0591-8765 4321",
                   "MRN": "ZY2024001234"})  # fmt: skip


@pytest.mark.parametrize(("text", "kinds"), [
    ("患者王小明诉恶心", ("NAME",)),
    ("called WANG xiao-ming about it", ("NAME",)),
    ("phone 0591 87654321", ("PHONE",)),
    ("住院号 zy2024001234", ("MRN",)),
    (f"ID {with_check('35010219800101123')}", ("ID_NUMBER",)),
    ("ring 138-1234-5678 after 5 pm", ("MOBILE",)),
    ("mail wxm@example.com", ("EMAIL",)),
    ("nausea grade 2 after cycle 1", ()),
    ("dose 35010219800101123 mg", ()),  # 17 digits: no ID
    ("lab no. 13812345678901", ()),  # a longer number is no mobile
])  # fmt: skip
def test_identifiers_and_patterns(text, kinds):
    assert scan().kinds(text, IDS) == kinds


def test_site_record_number_pattern_and_normalisation():
    assert scan(r"MZ\d{6}").kinds("门诊 MZ123456", Identifiers()) == ("RECORD_NUMBER",)
    assert scan().kinds("门诊 MZ123456", Identifiers()) == ()
    assert normalise("Wang  Xiao-Ming（王）") == "wangxiaoming王"


# --- one real export --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("pi04") / "demo.db"
    generate_demo(path, 10, seed=3, password=PASSWORD, today=TODAY)
    return path


@pytest.fixture(scope="module")
def planted(demo):
    """An AE term holding the subject's own name, phone and record number, a valid ID number
    and an e-mail, saved as a correction with a reason (the audit trail holds it too)."""
    coordinator = auth.login(demo, "coordinator", PASSWORD)
    try:
        for subject in export_subjects(auth.login(demo, "datamanager", PASSWORD)):
            if subject.subject_id and subject.data.forms("AE"):
                record = subject.data.forms("AE")[0]
                if record.group_rows("AE"):
                    break
        else:  # pragma: no cover - the demo always has AEs
            pytest.fail("no subject with an adverse event")
        dm = form_values(coordinator, subject.key, "SE.SCR", 1, "DM").values
        assert dm.get("SUBJNAME") and dm.get("PHONE") and dm.get("MRN")
        snap = form_values(coordinator, subject.key, record.event, record.repeat, "AE")
        row = snap.rows["AE"][0]
        national = with_check("35010219750315002")
        term = (f"恶心 {dm['SUBJNAME']} 电话 {dm['PHONE']} 住院号 {dm['MRN']} "
                f"身份证 {national} 邮箱 pat@example.org")
        save_form(coordinator, FormEntry(
            subject.key, record.event, "AE", record.repeat,
            rows={"AE": [RowEntry(key=r.key) for r in snap.rows["AE"][:0]]
                  + [RowEntry(key=row.key, values={"AETERM": term})]
                  + [RowEntry(key=r.key) for r in snap.rows["AE"][1:]]},
            reason="TRANSCRIPTION_ERROR", reason_text=f"typed {dm['PHONE']} by mistake"))
        # a query's own messages are free text too, on any item (here a date): the monitor
        # names the subject, the site answers with the phone number
        monitor = auth.login(demo, "monitor", PASSWORD)
        try:
            query = raise_query(monitor, subject.key, record.event, record.repeat, "AE",
                                f"Source says {dm['SUBJNAME']} stopped early; please confirm",
                                item_name="AESTDAT", group_name="AE", row_key=row.key)
        finally:
            auth.logout(monitor)
        answer_query(coordinator, query, f"confirmed by phone {dm['PHONE']}")
        secrets = [dm["SUBJNAME"], dm["PHONE"], dm["MRN"], national, "pat@example.org"]
        return subject.key, record, row.key, secrets
    finally:
        auth.logout(coordinator)


@pytest.fixture(scope="module")
def exported(demo, planted, tmp_path_factory):
    manager = auth.login(demo, "datamanager", PASSWORD)
    out = tmp_path_factory.mktemp("pi04-out")
    result = run_export(manager, out, formats=("csv", "odm", "odm_transactional", "pdf"),
                        cutoff=TODAY)  # fmt: skip
    yield manager, result
    auth.logout(manager)


def _texts(folder: Path) -> dict[str, str]:
    texts = {}
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        if path.suffix == ".pdf":
            texts[str(path)] = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"],
                                              capture_output=True, text=True,
                                              check=True).stdout  # fmt: skip
        else:
            texts[str(path)] = path.read_bytes().decode("utf-8", errors="replace")
    return texts


@pytest.mark.req("REQ-PI-04")
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_a_planted_identifier_reaches_no_file_but_the_log_and_a_query(exported, planted):
    manager, result = exported
    key, record, row_key, secrets = planted
    texts = _texts(result.folder)
    assert any(p.endswith(".pdf") for p in texts) and any("odm" in p for p in texts)
    for path, text in texts.items():
        squeezed = text.replace(" ", "").replace("\n", "")
        for secret in secrets:
            assert secret not in text and secret.replace(" ", "") not in squeezed, (path, secret)
    ae_csv = next(t for p, t in texts.items() if p.endswith("AE_AE.csv"))
    assert MARKER in ae_csv
    log = export_log(manager)[-1].files
    assert f"REQ-PI-04 withheld: {key} {record.event}#{record.repeat} AE AE#{row_key} AETERM" \
        in log
    assert not any(secret in log for secret in secrets)
    # the query's texts are withheld from QUERIES.csv (and the ODM and casebook, above) and
    # logged; the site copy of the query keeps its words
    queries_csv = next(t for p, t in texts.items() if p.endswith("QUERIES.csv"))
    assert queries_csv.count(MARKER) == 2
    query_line = next(line for line in log.splitlines() if line.endswith("(query text)"))
    assert query_line.startswith(
        f"REQ-PI-04 withheld: {key} {record.event}#{record.repeat} AE AE#{row_key} AESTDAT: ")
    assert "NAME" in query_line and "PHONE" in query_line  # the question and the answer
    manual = [q for q in list_queries(manager, key) if q.origin == "MANUAL"
              and q.item_name == "AESTDAT" and q.row_key == row_key]  # fmt: skip
    assert manual and secrets[0] in manual[-1].text
    queries = [q for q in list_queries(manager, key) if q.check_id == CHECK_ID]
    assert [(q.form_code, q.item_name, q.row_key, q.status) for q in queries] == [
        ("AE", "AETERM", row_key, "OPEN")]  # fmt: skip
    assert not any(secret in queries[0].text for secret in secrets)


@pytest.mark.req("REQ-PI-04")
def test_a_second_export_raises_no_second_query(exported, planted, tmp_path):
    manager, _result = exported
    key = planted[0]
    run_export(manager, tmp_path, formats=("csv",), cutoff=TODAY)
    assert len([q for q in list_queries(manager, key) if q.check_id == CHECK_ID]) == 1


@pytest.mark.req("REQ-PI-04")
def test_an_encrypted_package_withholds_the_same_texts(exported, planted, tmp_path):
    """The package path writes its files in memory (run_files.MemoryCsv): the same scan."""
    from tnt_desktop.exports.package_open import open_package

    manager, _result = exported
    secrets = planted[3]
    phrase = "package passphrase 2468"
    result = run_export(manager, tmp_path, formats=("csv", "odm"), package=True,
                        passphrase=phrase, cutoff=TODAY)  # fmt: skip
    opened = open_package(result.package, passphrase=phrase)
    texts = {name: data.decode("utf-8", errors="replace") for name, data in opened.files.items()}
    for name, text in texts.items():
        assert not any(secret in text for secret in secrets), name
    queries = next(t for n, t in texts.items() if n.endswith("QUERIES.csv"))
    assert queries.count(MARKER) == 2
    assert any(MARKER in t for n, t in texts.items() if n.endswith("AE_AE.csv"))
    # a query's message is withheld, never queried back: still the one site query on the term
    raised = [q.item_name for q in list_queries(manager, planted[0]) if q.check_id == CHECK_ID]
    assert raised == ["AETERM"]


@pytest.mark.req("REQ-ES-02")
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_casebook_of_a_signed_subject_shows_the_signature_with_the_role(demo, lang, tmp_path):
    from tnt_desktop.exports.pdf_casebook import casebook_signatures

    manager = auth.login(demo, "datamanager", PASSWORD)
    try:
        result = run_export(manager, tmp_path, formats=("pdf",), cutoff=TODAY, lang=lang)
        signed = {}
        for subject in export_subjects(manager):
            views = [v for v in casebook_signatures(manager, subject)[0]
                     if v.state == "VALID" and v.superseded_by is None]
            if views:
                signed[subject.key] = views
        assert signed, "the demo signs eligibility and casebooks"
        key = random.Random(1).choice(sorted(signed))
        path = result.folder / "pdf" / "casebooks" / f"casebook_{key}.pdf"
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"],
                              capture_output=True, text=True, check=True).stdout
        flat = " ".join(text.split())
        raw_words = ("SIGNED", "VERIFIED", "IN_PROGRESS", "NOT_STARTED", "TRANSCRIPTION_ERROR")
        if lang == "en":
            assert "signed — signature valid (VALID)" in flat and "Investigator" in flat
            assert "Site 01" in flat  # the site in the page header
            assert "Appendix — audit trail" in flat
        else:
            assert "已签名 — 签名有效（VALID）" in flat and "研究者" in flat
            assert "中心 01" in flat and "附录 — 稽查轨迹" in flat
        for raw in raw_words:  # every status word in the reader's language
            assert raw not in flat, raw
    finally:
        auth.logout(manager)


@pytest.mark.req("REQ-PI-05")
def test_user_oids_are_the_same_people_in_every_file(exported):
    """Issue 15: USR.002 named different people in the snapshot and the transactional file.
    Now every user OID is the user's stable database number, in both ODM files alike."""
    from lxml import etree

    from tnt_desktop.services.export_read import user_oids

    manager, result = exported
    stable = user_oids(manager)
    seen = {}
    for path in sorted((result.folder / "odm").glob("*.xml")):
        tree = etree.parse(str(path))
        users = {u.get("OID"): u.findtext("{*}DisplayName")
                 for u in tree.iter("{*}User")}  # fmt: skip
        refs = {r.get("UserOID") for r in tree.iter("{*}UserRef")}
        assert refs <= set(users), path.name
        assert set(users) <= set(stable.values()), path.name
        seen[path.name] = users
    snapshot, transactional = (seen[n] for n in sorted(seen, key=lambda n: "trans" in n))
    assert len(transactional) > 2
    for oid in set(snapshot) & set(transactional):
        assert snapshot[oid] == transactional[oid]


@pytest.mark.req("REQ-PI-04")
def test_the_record_number_pattern_is_an_audited_admin_setting(trial):
    from tnt_desktop.errors import PermissionDenied, UsageError
    from tnt_desktop.services.free_text_scan import set_record_number_pattern

    admin = trial.admin
    with pytest.raises(UsageError):
        set_record_number_pattern(admin, "ZY(")
    with pytest.raises(UsageError):
        set_record_number_pattern(admin, r"\d*")  # would match everywhere
    set_record_number_pattern(admin, r"ZY\d{8}")
    assert FreeTextScan(admin).kinds("病历 ZY20240001", Identifiers()) == ("RECORD_NUMBER",)
    with pytest.raises(PermissionDenied):
        set_record_number_pattern(trial.user("coordinator"), r"MZ\d+")
