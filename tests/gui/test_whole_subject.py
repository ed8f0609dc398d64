"""A whole subject entered through the generated form widgets — screening, enrolment, baseline
tumour, five RT fractions, three chemotherapy cycles, surgery, pathology, a wound check, an AE
and two follow-ups — then read back through the services, derived values included."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.core.conftest import DM_VALUES, ELIGIBLE_IE
from tests.gui.test_form_view import accept_dialog, add_rows, fill, open_form, save_ok
from tnt_desktop.gui.form.dialogs import OverrideDialog, ReasonForChangeDialog
from tnt_desktop.services import subjects
from tnt_desktop.services.casebook import form_values

TUBL = {
    "TULAT": "LEFT", "TULIMB": "LOWER", "TUSUBSITE": "THIGH_ANTERIOR", "TUDEPTH": "DEEP",
    "IMGMOD": "MRI_CE", "IMGDAT": "2025-01-20", "TUMAXD": "8.5", "TUD2": "6.0", "TUD3": "5.0",
    "CHESTIMG": "CT", "CHESTDAT": "2025-01-22", "CHESTRES": "NO_METASTASIS",
    "BXTYPE": "CORE_NEEDLE", "BXGUIDE": "US", "BXDAT": "2025-01-10", "HISTTYPE": "UPS",
    "FNDIFF": "3", "FNMIT": "2", "FNNEC": "1", "FNGRADE": "G3", "AJCC_N": "N0", "AJCC_M": "M0",
}  # fmt: skip
RT = {"RTSIMDAT": "2025-02-11", "RTMRIFUS": "Y", "RTTECH": "VMAT", "RTIGRT": "Y",
      "RTIGRTMOD": "KV_CBCT", "RTENERGY": "6MV", "CTVEDEMA": "Y"}  # fmt: skip
RT_START = date(2025, 2, 17)
SURGERY = {
    "SURGYN": "Y", "SURGDAT": "2025-05-10", "SURGSTTM": "08:30", "SURGENTM": "11:45",
    "ASA": "II", "SURGTYPE": "WIDE_EXCISION_LIMB_SPARING", "BONERES": "N", "VASCRES": "N",
    "NERVERES": "N", "RECON": "PRIMARY_CLOSURE", "PLASTIC": "N", "NPWT": "N", "DRAIN": "Y",
    "DRAINRMDAT": "2025-05-14", "EBL": "300", "TRANSF": "N", "SURGMARG": "WIDE",
    "INTRAOP": "N", "DISCHDAT": "2025-05-17", "CLAVIEN": "0",
}  # fmt: skip
PATHOLOGY = {
    "PATHDAT": "2025-05-20", "PATHHIST": "UPS", "PATHMAXD": "7.0", "PATHBLK": "12",
    "PCTVIAB": "5.0", "PCTNECR": "60.0", "PCTFIB": "35.0", "EORTCSC": "C", "POSTGRADE": "G3",
    "RSTAT": "R0", "CLMARGMM": "5.0", "CLMARGLOC": "DEEP", "CLMARGBAR": "N", "CENTREV": "N",
}  # fmt: skip
AE = {
    "AETERM": "Radiation dermatitis, left thigh", "AECTC": "DERM_RADIATION",
    "AECAT": "RT_ACUTE", "AESTDAT": "2025-02-23", "AEONGO": "N", "AEENDAT": "2025-03-10",
    "AETOXGR": "1", "AESER": "N", "AERELRT": "PROBABLE", "AERELDOX": "UNRELATED",
    "AERELIFO": "UNRELATED", "AERELSURG": "UNRELATED", "AEACN": "NOT_APPLICABLE",
    "AEACNRT": "NONE", "AEACNSRG": "NONE", "AECONTRT": "N", "AEOUT": "RECOVERED",
}  # fmt: skip


def iso(day: date) -> str:
    return day.isoformat()


def cycle(d1: date) -> tuple[dict[str, str], list[dict[str, str]], list[dict[str, str]]]:
    """One AI cycle for BSA 1.82: doxorubicin 25 mg/m² × 3 days, ifosfamide 2.5 g/m² × 4."""
    values = {
        "CYGIVEN": "Y", "CYD1DAT": iso(d1), "CYWEIGHT": "70.0", "CYECOG": "1", "DOXRED": "N",
        "IFORED": "N", "MESNA": "Y", "MESNATOT": "18200", "MESNARTE": "IV", "GCSF": "Y",
        "GCSFTYP": "PEGYLATED", "GCSFINT": "PRIMARY_PROPHYLAXIS",
        "GCSFDAT": iso(d1 + timedelta(days=4)),
    }  # fmt: skip
    dox = [{"EXSTDAT": iso(d1 + timedelta(days=n)), "EXDOSE": "45.5"} for n in range(3)]
    ifo = [{"EXSTDAT": iso(d1 + timedelta(days=n)), "EXDOSE": "4.55", "EXDUR": "3.0"}
           for n in range(4)]  # fmt: skip
    return values, dox, ifo


@pytest.fixture
def coordinator(trial):
    return trial.user("coordinator")


def test_a_whole_subject_entered_through_the_form_widgets(
        qtbot, coordinator, context_for, monkeypatch):  # fmt: skip
    context = context_for(coordinator)
    context.today = lambda: date(2025, 12, 1)
    confirmations: list[OverrideDialog] = []
    accept_dialog(monkeypatch, OverrideDialog,
                  lambda d: d.set_all("checked against the source document"),
                  confirmations)  # fmt: skip
    monkeypatch.setattr(ReasonForChangeDialog, "exec",
                        lambda self: pytest.fail("nothing saved was changed"))  # fmt: skip

    def form(key: str, event: str, code: str, values: dict[str, str], repeat: int = 1,
             rows: dict[str, list[dict[str, str]]] | None = None,
             complete: bool = False):  # fmt: skip
        view = open_form(qtbot, context, key, event, code, repeat)
        fill(qtbot, view, values)
        for group, group_rows in (rows or {}).items():
            add_rows(qtbot, view, group, group_rows)
        view.refresh_preview()
        save_ok(view, complete)
        view.close()
        return form_values(coordinator, key, event, repeat, code)

    # screening → eligibility → enrolment
    screening = subjects.screen_subject(coordinator)
    ie = form(screening, "SE.SCR", "IE", ELIGIBLE_IE, complete=True)
    assert ie.values["ELIGFL"] == "Y" and ie.status == "COMPLETE"
    dm = form(screening, "SE.SCR", "DM", DM_VALUES)
    key = subjects.enrol(coordinator, screening)
    tubl = form(key, "SE.SCR", "TUBL", TUBL)

    # five RT fractions; the locked plan (25 Gy / 5) and the default margins are pre-filled
    fractions = [{"FXNUM": str(n), "FXGIVEN": "Y", "FXDAT": iso(RT_START + timedelta(days=n - 1)),
                  "FXDOSE": "5.00"} for n in range(1, 6)]  # fmt: skip
    rt = form(key, "SE.RT", "RT", RT, rows={"FX": fractions}, complete=True)

    # three chemotherapy cycles, 21 days apart, starting RT end + 7
    d1 = RT_START + timedelta(days=4 + 7)
    cycles = []
    for number in (1, 2, 3):
        values, dox, ifo = cycle(d1)
        cycles.append(form(key, f"SE.C{number}", "CT", values,
                           rows={"DOXADM": dox, "IFOADM": ifo}))  # fmt: skip
        d1 += timedelta(days=21)

    surgery = form(key, "SE.SURG", "SURG", SURGERY)
    path = form(key, "SE.PATH", "PATH", PATHOLOGY)
    wound = form(key, "SE.WND", "WND", {"WNDDAT": "2025-05-24",
                                        "WNDSTAT": "HEALING_NO_COMPLICATION"})  # fmt: skip
    ae = form(key, "SE.LOG", "AE", {}, rows={"AE": [AE]})
    follow_ups = []
    for visit, day in ((1, date(2025, 8, 10)), (2, date(2025, 11, 10))):
        follow_ups.append(form(key, "SE.FU", "FU", {
            "FUDAT": iso(day), "FUMODE": "CLINIC_VISIT", "SSSTAT": "ALIVE", "FUECOG": "0",
            "CHESTDAT": iso(day - timedelta(days=2)), "CHESTRES": "NO_METASTASIS", "LRYN": "N",
            "DMYN": "N", "NEWTX": "N", "LIMBSTAT": "INTACT"}, repeat=visit))  # fmt: skip

    # ---- read back through the services -------------------------------------------------------
    assert {k: ie.values[k] for k in ELIGIBLE_IE} == ELIGIBLE_IE
    dm = form_values(coordinator, key, "SE.SCR", 1, "DM")
    assert {k: dm.values[k] for k in DM_VALUES} == DM_VALUES
    assert (dm.values["AGE"], dm.values["BSA"], dm.values["BMI"]) == ("54", "1.82", "24.2")
    assert dm.values["SUBJID"] == key == "TNT-01-001"
    assert tubl.values["TUMAXD"] == "8.5" and tubl.values["AJCC_T"] == "T2"
    assert tubl.values["FNSCORE"] == "6" and tubl.values["AJCC_STG"]
    assert (rt.values["RTPLDOSE"], rt.values["RTPLFX"], rt.values["CTVLONG"]) == (
        "25.0", "5", "3.0")
    assert [r.values["FXDAT"] for r in rt.rows["FX"]] == [f["FXDAT"] for f in fractions]
    assert (rt.values["RTNFX"], rt.values["RTCOMPL"], rt.values["RTINTFL"]) == ("5", "Y", "N")
    assert rt.values["RTTOTDOSE"].startswith("25") and rt.status == "COMPLETE"
    for number, ct in enumerate(cycles, 1):
        assert ct.values["CYCNUM"] == str(number) and ct.values["CYBSA"] == "1.82"
        assert len(ct.rows["DOXADM"]) == 3 and len(ct.rows["IFOADM"]) == 4
        assert all(r.values["EXROUTE"] == "IV" for r in ct.rows["DOXADM"])  # the default
        assert ct.values["DOXACTMG"] == "136.5" and ct.values["IFOACTG"] == "18.20"
        assert ct.values["CYDOSEDEV"] == "N"
    assert cycles[0].values["CYDELAY"] == "0" and cycles[2].values["DOXCUM"] == "225.0"
    assert cycles[2].values["CYRDI"] == "1.00"
    assert surgery.values["SURGDUR"] == "195" and surgery.values["LIMBSPFL"] == "Y"
    assert path.values["EORTCDER"] == "C" and path.values["PCTSUM"] == "100.0"
    assert wound.values["WNDPOD"] == "14"
    [ae_row] = ae.rows["AE"]
    assert ae_row.values["AESPID"] == "AE-001" and ae_row.values["AETERM"] == AE["AETERM"]
    assert [fu.values["FUMON"] for fu in follow_ups] == ["3.0", "6.0"]
    assert all(f.override_reason == "checked against the source document"
               for fu in follow_ups for f in fu.findings if f.override_reason)  # fmt: skip
