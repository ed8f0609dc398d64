"""The registry: every id of the contract table, dependency order, refs that resolve, and
derive_all / subject_level on a complete subject."""

import copy
import re
from datetime import date, time
from decimal import Decimal
from pathlib import Path

from tnt_desktop.study.derivations import (
    DERIVATIONS,
    DERIVATIONS_BY_ID,
    derive_all,
    subject_level,
)
from tnt_desktop.study.parameters import DEFAULT_PARAMETERS as P
from tnt_desktop.study.subject import FormRecord, PartialDate, SubjectData

DOCS = Path(__file__).resolve().parents[2] / "docs" / "study-definition.md"
D = Decimal


def _table_ids() -> set[str]:
    ids = set()
    for line in DOCS.read_text(encoding="utf-8").splitlines():
        match = re.fullmatch(r"\|\s*[A-Z]+\s*\|.*\|\s*(D-[A-Z0-9-]+)\s*\|", line.strip())
        if match:
            ids.add(match.group(1))
    return ids


def test_every_contract_id_is_registered_once():
    ids = [d.id for d in DERIVATIONS]
    assert len(ids) == len(set(ids))
    expected = _table_ids() | {f"D-{n:02d}" for n in range(1, 20)}
    assert len(_table_ids()) > 20
    assert set(ids) == expected


def test_each_derivation_is_complete_and_bilingual():
    for derivation in DERIVATIONS:
        assert derivation.function is not None, derivation.id
        assert derivation.outputs or derivation.subject_outputs, derivation.id
        for text in (derivation.label, derivation.method):
            assert text.en.strip() and re.search(r"[\u3400-\u9fff]", text.zh), derivation.id


def test_registry_is_in_dependency_order():
    producer = {ref: i for i, d in enumerate(DERIVATIONS) for ref in d.outputs}
    for i, derivation in enumerate(DERIVATIONS):
        for ref in derivation.inputs:
            if ref in producer and ref not in derivation.outputs:
                assert producer[ref] < i, f"{derivation.id} reads {ref} before it is derived"


def test_refs_resolve_against_the_study_definition():
    from tnt_desktop.study.definition import build_study

    study = build_study()
    for derivation in DERIVATIONS:
        for ref in (*derivation.inputs, *derivation.outputs):
            assert study.resolve(ref) is not None, f"{derivation.id}: {ref}"
        for ref in derivation.outputs:
            assert study.resolve(ref).item.derivation == derivation.id, f"{derivation.id}: {ref}"


def full_subject() -> SubjectData:
    fx = [{"FXNUM": n, "FXGIVEN": "Y", "FXDAT": date(2025, 3, 2 + n), "FXDOSE": D("5.00")}
          for n in range(1, 6)]

    def cycle(n: int, d1: date) -> FormRecord:
        days = [date.fromordinal(d1.toordinal() + i) for i in range(4)]
        return FormRecord(
            f"SE.C{n}", "CT",
            values={"CYGIVEN": "Y", "CYD1DAT": d1, "CYWEIGHT": D("70.0"), "DOXRED": "N",
                    "IFORED": "N"},
            rows={"DOXADM": [{"EXSTDAT": d, "EXDOSE": D("45.5")} for d in days[:3]],
                  "IFOADM": [{"EXSTDAT": d, "EXDOSE": D("4.55"), "EXDUR": D("3.0")}
                             for d in days]},
        )

    ie = {code: "Y" for code in ("INC01", "INC01A", "INC01B", "INC02", "INC03", "INC04",
                                 "INC05", "INC06")}
    ie.update({code: "N" for code in ("INC01C", "INC01D", *(f"EXC{n:02d}" for n in range(1, 10)))})
    ie.update(RFICDAT=date(2025, 2, 1), INC01MDT=date(2025, 1, 28))
    return SubjectData("TNT-01-001", [
        FormRecord("SE.SCR", "IE", values=ie),
        FormRecord("SE.SCR", "DM", values={
            "ENRDAT": date(2025, 2, 20), "BRTHDAT": date(1970, 5, 5), "SEX": "F",
            "HEIGHT": D("170.0"), "WEIGHT": D("70.0")}),
        FormRecord("SE.SCR", "TUBL", values={
            "TULIMB": "LOWER", "TUMAXD": D("8.0"), "FNDIFF": "2", "FNMIT": "2", "FNNEC": "1",
            "FNGRADE": "G2", "AJCC_N": "N0", "AJCC_M": "M0"}),
        FormRecord("SE.SCR", "LB", values={"LBDAT": date(2025, 2, 15)}, rows={"LB": [
            {"LBTESTCD": "CREAT", "LBORRES": D("70"), "LBORNRLO": D("45"),
             "LBORNRHI": D("84")}]}),
        FormRecord("SE.ENR", "MSTS", values={f"MSTS{n}": 5 for n in range(1, 7)}),
        FormRecord("SE.RT", "RT", values={"RTPLDOSE": D("25.0"), "RTPLFX": 5}, rows={"FX": fx}),
        cycle(1, date(2025, 3, 14)),
        cycle(2, date(2025, 4, 4)),
        cycle(3, date(2025, 4, 25)),
        FormRecord("SE.PREOP", "TUPRE", values={"TUMAXD": D("6.0"), "IMGDAT": date(2025, 5, 20)}),
        FormRecord("SE.SURG", "SURG", values={
            "SURGYN": "Y", "SURGDAT": date(2025, 5, 26), "SURGSTTM": time(8, 0),
            "SURGENTM": time(11, 0), "SURGTYPE": "WIDE_EXCISION_LIMB_SPARING",
            "DISCHDAT": date(2025, 6, 2)}),
        FormRecord("SE.PATH", "PATH", values={
            "PCTVIAB": D("5.0"), "PCTNECR": D("60.0"), "PCTFIB": D("35.0"), "EORTCSC": "C",
            "RSTAT": "R0"}),
        FormRecord("SE.WND", "WND", repeat=1, values={"WNDDAT": date(2025, 6, 9)}, rows={"WC": [
            {"WCSTDAT": date(2025, 6, 20), "WCREOP": "N", "WCINVPR": "Y", "WCREADM": "N",
             "WCPACK": "N"}]}),
        FormRecord("SE.WND", "WND", repeat=2, values={"WNDDAT": date(2025, 8, 25)}),
        FormRecord("SE.LOG", "AE", rows={"AE": [
            {"AERELRT": "UNRELATED", "AERELDOX": "UNRELATED", "AERELIFO": "UNRELATED",
             "AERELSURG": "DEFINITE"}]}),
        FormRecord("SE.FU", "FU", repeat=1, values={
            "FUDAT": date(2025, 8, 26), "FUMODE": "CLINIC_VISIT", "SSSTAT": "ALIVE",
            "LRYN": "N"}),
        FormRecord("SE.EOS", "EOS", values={"LASTCONT": date(2027, 6, 1)}),
        FormRecord("SE.DTH", "DTH", values={"DTHDAT": PartialDate(2027, 6)}),
    ])


def test_derive_all_on_a_complete_subject():
    subject = full_subject()
    before = copy.deepcopy(subject)
    derived = derive_all(subject, P)
    assert subject == before
    value = derived.value
    assert (value("IE.ELIGFL"), value("DM.AGE"), value("DM.BSA")) == ("Y", 54, D("1.82"))
    assert (value("TUBL.FNSCORE"), value("TUBL.AJCC_T"), value("TUBL.AJCC_STG")) == (
        5, "T2", "IIIA")
    assert value("TUPRE.TUPCHG") == D("-25.0")
    assert (value("RT.RTENDAT"), value("RT.RTCOMPL")) == (date(2025, 3, 7), "Y")
    c3 = derived.form("CT", "SE.C3").values
    assert (c3["DOXCUM"], c3["CYRDI"], c3["CYDELAY"]) == (D("225.0"), D("1.00"), 0)
    assert derived.form("SURG").values["SURGDUR"] == 180
    assert value("PATH.EORTCDER") == "C"
    assert derived.form("WND").rows["WC"][0]["WCMAJ90"] == "Y"
    assert derived.form("AE").rows["AE"][0]["AEREL"] == "Y"
    assert value("FU.FUMON") == D("3.0")
    assert value("MSTS.MSTSTOT") == 30
    assert value("EOS.EOTDAT") == date(2025, 5, 26)
    assert value("LB.CRCL") == D("89.4")  # (140 − 54) × 70 kg × 1.04 / 70 µmol/L = 89.44


def test_every_written_value_is_a_declared_output():
    derived = derive_all(full_subject(), P)
    for derivation in DERIVATIONS:
        declared = set(derivation.outputs)
        for value in derivation.function(derived, P):
            if value.form is None:
                assert value.item in derivation.subject_outputs, (derivation.id, value.item)
                continue
            ref = (f"{value.form}.{value.group}.{value.item}" if value.group
                   else f"{value.form}.{value.item}")
            assert ref in declared, (derivation.id, ref)


def test_derive_all_is_idempotent():
    once = derive_all(full_subject(), P)
    assert derive_all(once, P) == once


def test_subject_level_has_every_declared_output():
    values = subject_level(full_subject(), P)
    declared = {name for d in DERIVATIONS for name in d.subject_outputs}
    assert set(values) == declared
    assert values["RESP_AC"] == "Y" and values["PPROTFL"] == "Y"
    assert values["CHEMOPERIODEND"] == date(2025, 5, 15)  # 25 Apr + 20
    assert (values["MWC90"], values["WCINCFU"]) == ("Y", "N")
    # death June 2027 imputed to the day after LASTCONT: 2 Jun 2027, beyond the 24 months
    # from EOTDAT (26 May 2025): an event all the same — day counts are never capped
    # (clarification 22)
    assert values["DTHDATIMP"] == date(2027, 6, 2)
    assert (values["OSTCDAYS"], values["OSTCCNSR"]) == (737, 0)
    assert DERIVATIONS_BY_ID["D-13"].subject_outputs[1] == "RESP_AC"
