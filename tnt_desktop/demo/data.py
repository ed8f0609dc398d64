"""Synthetic-data vocabulary and the random plan of one demo subject (tnt_desktop.demo).

Everything here is pure: a `SubjectPlan` is drawn from a `random.Random` and a date "today";
nothing touches the database. The writer (demo.subject) turns a plan into form saves.
All names, numbers and identifiers are invented; none belongs to a real person.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from tnt_desktop.study.checks._common import add_months, years_before


class Stage(StrEnum):
    """Where a demo subject stands on `today`."""

    SCREENING = "SCREENING"
    SCREEN_FAILED = "SCREEN_FAILED"
    ON_RT = "ON_RT"
    ON_CHEMO = "ON_CHEMO"
    AWAITING_SURGERY = "AWAITING_SURGERY"
    FOLLOW_UP = "FOLLOW_UP"
    COMPLETED = "COMPLETED"
    WITHDRAWN = "WITHDRAWN"
    DIED = "DIED"


# Relative frequency of each stage beyond the first one of each (a small recruiting study
# two years in: most subjects are in follow-up).
STAGE_WEIGHTS: dict[Stage, int] = {
    Stage.SCREENING: 6,
    Stage.SCREEN_FAILED: 10,
    Stage.ON_RT: 4,
    Stage.ON_CHEMO: 12,
    Stage.AWAITING_SURGERY: 6,
    Stage.FOLLOW_UP: 36,
    Stage.COMPLETED: 12,
    Stage.WITHDRAWN: 6,
    Stage.DIED: 8,
}

# Enrolments are spread over this many days before today: the 24-month follow-up starts at
# surgery, about three months after RT day 1, so a completed subject was enrolled 27+ months ago.
MAX_HISTORY_DAYS = 880


def d2(value: Decimal | float, places: int = 1) -> Decimal:
    quantum = Decimal(1).scaleb(-places)
    return Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)


def iso(day: date) -> str:
    return day.isoformat()


# --- people -----------------------------------------------------------------------------------

SURNAMES = (
    ("陈", "Chen"),
    ("林", "Lin"),
    ("黄", "Huang"),
    ("张", "Zhang"),
    ("李", "Li"),
    ("王", "Wang"),
    ("吴", "Wu"),
    ("刘", "Liu"),
    ("蔡", "Cai"),
    ("杨", "Yang"),
    ("郑", "Zheng"),
    ("许", "Xu"),
    ("谢", "Xie"),
    ("郭", "Guo"),
    ("洪", "Hong"),
)
GIVEN_M = (
    ("志强", "Zhiqiang"),
    ("建华", "Jianhua"),
    ("明辉", "Minghui"),
    ("国平", "Guoping"),
    ("文斌", "Wenbin"),
    ("海峰", "Haifeng"),
    ("永福", "Yongfu"),
    ("家豪", "Jiahao"),
)
GIVEN_F = (
    ("秀英", "Xiuying"),
    ("美玲", "Meiling"),
    ("丽华", "Lihua"),
    ("雪梅", "Xuemei"),
    ("淑珍", "Shuzhen"),
    ("晓燕", "Xiaoyan"),
    ("惠芳", "Huifang"),
    ("静怡", "Jingyi"),
)
DISTRICTS = ("鼓楼区", "台江区", "仓山区", "晋安区", "马尾区", "长乐区", "闽侯县", "福清市")
STREETS = ("五四路", "东街", "杨桥路", "华林路", "六一路", "工业路", "湖东路", "福马路")
MINORITIES = ("畲族", "回族", "满族", "壮族")

# --- tumour -----------------------------------------------------------------------------------

SUBSITES = {
    "LOWER": (
        ("THIGH_ANTERIOR", 5),
        ("THIGH_MEDIAL_ADDUCTOR", 4),
        ("THIGH_POSTERIOR", 4),
        ("BUTTOCK_GLUTEAL", 2),
        ("HIP_GROIN", 1),
        ("KNEE_POPLITEAL", 2),
        ("LOWER_LEG", 3),
        ("ANKLE_FOOT", 1),
    ),
    "UPPER": (
        ("SHOULDER", 2),
        ("UPPER_ARM", 4),
        ("AXILLA", 1),
        ("ELBOW_ANTECUBITAL", 1),
        ("FOREARM", 3),
        ("WRIST_HAND", 1),
    ),
}
HISTOLOGIES = (
    ("UPS", 9),
    ("MLS", 6),
    ("SS", 5),
    ("MFS", 5),
    ("LMS", 4),
    ("PLS", 3),
    ("DDLS", 2),
    ("MPNST", 2),
    ("USS", 2),
    ("PRMS", 1),
    ("EPS", 1),
    ("STS_NOS", 1),
    ("OTHER", 1),
)
MOLECULAR = {
    "SS": ("FISH", "SS18 基因断裂阳性（FISH）"),
    "MLS": ("FISH", "DDIT3 基因断裂阳性（FISH）"),
    "DDLS": ("FISH", "MDM2 基因扩增（FISH）"),
}
FNCLCC_COMPONENTS = {  # grade → (differentiation, mitoses, necrosis) choices with that score
    "G1": (("1", "1", "0"), ("1", "1", "1"), ("2", "1", "0")),
    "G2": (("2", "2", "0"), ("2", "1", "1"), ("3", "1", "1"), ("2", "2", "1"), ("3", "1", "0")),
    "G3": (("3", "2", "1"), ("3", "3", "1"), ("3", "2", "2"), ("3", "3", "2"), ("2", "3", "2")),
}

# --- medical history rows: (verbatim, category, ongoing at screening?) ----------------------

MH_TERMS = (
    ("原发性高血压（药物控制良好）", "GENERAL", True),
    ("慢性浅表性胃炎", "GENERAL", True),
    ("阑尾切除术后", "GENERAL", False),
    ("胆囊结石（胆囊切除术后）", "GENERAL", False),
    ("腰椎间盘突出症", "GENERAL", True),
    ("冠心病（稳定型心绞痛）", "CARDIAC", True),
    ("高脂血症", "GENERAL", True),
)
MH_TERMS_BY_SEX = {"F": (("子宫肌瘤切除术后", "GENERAL", False),),
                   "M": (("良性前列腺增生", "GENERAL", True),)}  # fmt: skip

# --- adverse events: code → (verbatim in Chinese, typical grades) ----------------------------

AE_TERMS: dict[str, tuple[str, tuple[int, ...]]] = {
    "DERM_RADIATION": ("放射性皮炎（照射野皮肤红斑、脱屑）", (1, 1, 2)),
    "FATIGUE": ("乏力", (1, 1, 2)),
    "PAIN_EXTREMITY": ("患肢疼痛加重", (1, 2)),
    "NAUSEA": ("恶心", (1, 1, 2)),
    "VOMITING": ("呕吐", (1, 2)),
    "ALOPECIA": ("脱发", (1, 2, 2)),
    "NEUT_DEC": ("中性粒细胞计数降低", (3, 3, 4)),
    "FEBNEUT": ("发热性中性粒细胞减少症", (3,)),
    "ANEMIA": ("贫血", (2, 2, 3)),
    "PLT_DEC": ("血小板计数降低", (1, 2, 3)),
    "MUCOSITIS_ORAL": ("口腔黏膜炎", (1, 2)),
    "CYSTITIS_NONINF": ("出血性膀胱炎（肉眼血尿）", (2,)),
    "ENCEPHALOPATHY": ("异环磷酰胺相关脑病（嗜睡、意识模糊）", (2, 3)),
    "HYPOKALEMIA": ("低钾血症", (1, 2)),
    "ANOREXIA": ("食欲减退", (1, 2)),
    "CONSTIPATION": ("便秘", (1,)),
    "SEPSIS": ("脓毒症（感染性休克）", (5,)),
    "PAIN": ("术后切口疼痛", (1, 2)),
    "FEVER": ("术后发热", (1,)),
    "FIBROSIS_DEEP": ("照射野皮下组织纤维化", (1, 2)),
    "WOUND_DEHISC": ("切口裂开", (2, 3)),
    "WOUND_INF": ("切口感染", (2, 3)),
    "SEROMA": ("切口下积液（血清肿）", (2, 3)),
    "HEMATOMA": ("切口血肿", (2, 3)),
    "WOUND_COMPL": ("切口皮缘坏死、愈合不良", (2, 3)),
}
CHEMO_AES = (
    ("NAUSEA", 60),
    ("ALOPECIA", 0),
    ("FATIGUE", 35),
    ("VOMITING", 20),
    ("NEUT_DEC", 25),
    ("ANEMIA", 15),
    ("PLT_DEC", 8),
    ("MUCOSITIS_ORAL", 10),
    ("HYPOKALEMIA", 8),
    ("ANOREXIA", 15),
    ("CONSTIPATION", 10),
)

# wound-complication type → (CTCAE code, verbatim, kind of major intervention)
WOUND_TYPES = {
    "DEHISCENCE": ("WOUND_DEHISC", "切口裂开", "REOP"),
    "INFECTION_DEEP": ("WOUND_INF", "切口深部感染", "READM"),
    "INFECTION_SUPERFICIAL": ("WOUND_INF", "切口浅表感染", None),
    "SEROMA": ("SEROMA", "切口下积液（血清肿）", "ASPIRATE"),
    "HAEMATOMA": ("HEMATOMA", "切口血肿", "REOP"),
    "SKIN_FLAP_NECROSIS": ("WOUND_COMPL", "切口皮缘坏死", "PACK"),
}

# --- override reasons per check (the demo answers every soft finding it is asked about) -----

OVERRIDE_REASONS = {
    "TIM-01": "放疗进行中/加速器故障顺延一天，放疗医师已确认（RT schedule confirmed by the "
    "radiation oncologist）",
    "TIM-03": "周期间隔已核对原始医嘱（interval verified against the chemotherapy orders）",
    "TIM-05": "手术室排期及患者身体状况原因，手术时间经研究者确认（surgery date confirmed by "
    "the investigator）",
    "TIM-07": "患者返乡/节假日原因随访顺延，研究者已确认（visit date confirmed; patient "
    "travelled home）",
    "TIM-08": "患者外地居住，伤口评估顺延（wound check date confirmed with the patient）",
    "SOFT-RANGE": "数值已与原始记录核对无误（value verified against source）",
}
DEFAULT_OVERRIDE = "已核对原始病历，数据无误（verified against the source record）"


# --- the plan -----------------------------------------------------------------------------------


@dataclass
class Person:
    sex: str
    age: int
    name: str
    pinyin: str
    height: Decimal
    weight: Decimal
    ecog: int
    ethnic: str
    ethnic_sp: str
    mrn: str
    phone: str
    address: str


@dataclass
class Tumour:
    limb: str
    side: str
    subsite: str
    depth: str
    size: Decimal
    d2: Decimal
    d3: Decimal
    grade: str
    components: tuple[str, str, str]
    histology: str
    biopsy: str


@dataclass
class SubjectPlan:
    """One synthetic subject: who, which stage, and every planned date (some after today)."""

    index: int
    stage: Stage
    seed: int  # drives the writer's own random choices
    person: Person
    tumour: Tumour
    fail_reason: str | None = None  # screen failure: what makes the subject ineligible
    chemo_cycle: int = 0  # ON_CHEMO: the cycle in progress
    exit_phase: str | None = None  # WITHDRAWN / DIED: CHEMO or FOLLOW_UP
    exit_after: int = 0  # the cycle or follow-up visit after which the subject left
    death_cause: str | None = None
    # planned dates
    consent: date = date.min
    screening: date = date.min
    enrolment: date = date.min
    rt_days: list[date] = field(default_factory=list)
    c1: date = date.min
    cycle_gaps: tuple[int, int] = (21, 21)
    surgery: date = date.min
    wound_pods: tuple[int, ...] = ()
    fu_dates: list[date] = field(default_factory=list)
    exit_date: date | None = None  # withdrawal, death or end of study
    # deliberate irregularities
    rt_machine_delay: bool = False
    late_cycle: int = 0  # 2 or 3: this cycle starts late (with a delay reason)
    late_cycle_days: int = 0
    surgery_offset: int = 10  # surgery − end of the chemotherapy period (C3D1 + 20)
    late_fu: int = 0  # follow-up visit (1…8) deliberately outside its window
    late_wound: int = 0  # wound assessment (1…5) deliberately outside its window

    @property
    def cycles(self) -> list[date]:
        c2 = self.c1 + timedelta(days=self.cycle_gaps[0])
        return [self.c1, c2, c2 + timedelta(days=self.cycle_gaps[1])]

    @property
    def rt_end(self) -> date:
        return self.rt_days[-1]

    @property
    def chemo_period_end(self) -> date:
        return self.cycles[2] + timedelta(days=20)

    def window(self, today: date) -> tuple[date, date]:
        """[first, last] day on which `today` puts the subject in its stage."""
        s, c = self.stage, self.cycles
        day = timedelta(days=1)
        if s is Stage.SCREENING:
            return self.screening + 2 * day, self.enrolment - day
        if s is Stage.SCREEN_FAILED:
            return self.screening + 10 * day, self.screening + 700 * day
        if s is Stage.ON_RT:
            return self.rt_days[0], self.c1 - day
        if s is Stage.ON_CHEMO:
            start = c[self.chemo_cycle - 1] + 5 * day
            end = c[self.chemo_cycle] - day if self.chemo_cycle < 3 else self.chemo_period_end
            return start, end
        if s is Stage.AWAITING_SURGERY:
            return self.chemo_period_end + day, self.surgery - day
        if s is Stage.FOLLOW_UP:
            return self.surgery + 20 * day, self.fu_dates[-1] - day
        assert self.exit_date is not None
        return self.exit_date + 10 * day, self.exit_date + 120 * day

    def shift(self, days: int) -> None:
        delta = timedelta(days=days)
        self.consent += delta
        self.screening += delta
        self.enrolment += delta
        self.rt_days = [d + delta for d in self.rt_days]
        self.c1 += delta
        self.surgery += delta
        self.fu_dates = [d + delta for d in self.fu_dates]
        if self.exit_date is not None:
            self.exit_date += delta


def weighted(rng: random.Random, choices) -> str:
    names = [c for c, _w in choices]
    weights = [w for _c, w in choices]
    return rng.choices(names, weights)[0]


def _person(rng: random.Random, index: int) -> Person:
    sex = "M" if rng.random() < 0.56 else "F"
    surname, surname_py = rng.choice(SURNAMES)
    given, given_py = rng.choice(GIVEN_M if sex == "M" else GIVEN_F)
    height = d2(rng.gauss(169, 6) if sex == "M" else rng.gauss(158, 5))
    bmi = rng.uniform(19.5, 28.5)
    weight = d2(bmi * float(height / 100) ** 2)
    minority = rng.random() < 0.06
    return Person(
        sex=sex, age=rng.randint(22, 74), name=surname + given,
        pinyin=f"{surname_py} {given_py}", height=height, weight=weight,
        ecog=rng.choices((0, 1, 2), (55, 38, 7))[0],
        ethnic="OTHER" if minority else "HAN",
        ethnic_sp=rng.choice(MINORITIES) if minority else "",
        mrn=f"ZY{rng.randint(10, 99)}{index:04d}{rng.randint(10, 99)}",
        phone=f"1380000{rng.randint(0, 9999):04d}",
        address=f"福建省福州市{rng.choice(DISTRICTS)}{rng.choice(STREETS)}"
                f"{rng.randint(1, 300)}号（虚构地址）",
    )  # fmt: skip


def _tumour(rng: random.Random) -> Tumour:
    limb = "LOWER" if rng.random() < 0.76 else "UPPER"
    grade = rng.choices(("G1", "G2", "G3"), (8, 35, 57))[0]
    depth = "DEEP" if rng.random() < 0.86 else "SUPERFICIAL"
    size = d2(rng.uniform(3.2, 17.5))
    if grade == "G1" and depth != "DEEP" and size < 5:
        size = d2(rng.uniform(5.5, 9.0))  # INC01 needs high grade, ≥5 cm or deep
    return Tumour(
        limb=limb, side=rng.choice(("LEFT", "RIGHT")), subsite=weighted(rng, SUBSITES[limb]),
        depth=depth, size=size, d2=d2(float(size) * rng.uniform(0.55, 0.9)),
        d3=d2(float(size) * rng.uniform(0.4, 0.8)), grade=grade,
        components=rng.choice(FNCLCC_COMPONENTS[grade]), histology=weighted(rng, HISTOLOGIES),
        biopsy=rng.choices(("CORE_NEEDLE", "INCISIONAL"), (85, 15))[0],
    )  # fmt: skip


def _weekdays(start: date, count: int, skip_one: bool) -> list[date]:
    days, day, skipped = [], start, not skip_one
    while len(days) < count:
        if day.weekday() < 5:
            if not skipped and len(days) == 2:
                skipped = True  # a machine breakdown: this fraction moves to the next weekday
            else:
                days.append(day)
        day += timedelta(days=1)
    return days


def _schedule(plan: SubjectPlan, rng: random.Random, rt_day1: date) -> None:
    """Fill every planned date from RT day 1 with realistic jitter (drawn from `rng`)."""
    while rt_day1.weekday() >= 5:
        rt_day1 += timedelta(days=1)
    plan.enrolment = rt_day1 - timedelta(days=rng.randint(1, 4))
    longest = 14 if plan.stage is Stage.SCREENING else 11  # a screening window of ≥7 days
    plan.screening = plan.enrolment - timedelta(days=rng.randint(longest - 7, longest))
    plan.consent = plan.screening - timedelta(days=rng.choice((0, 0, 0, 1, 2)))
    plan.rt_days = _weekdays(rt_day1, 5, plan.rt_machine_delay)
    plan.c1 = plan.rt_end + timedelta(days=rng.choice((6, 7, 7, 7, 7, 8, 8, 9)))
    gaps = [21 + rng.choice((-1, 0, 0, 0, 0, 1, 1, 2)) for _ in range(2)]
    if plan.late_cycle:
        gaps[plan.late_cycle - 2] = 21 + plan.late_cycle_days
    plan.cycle_gaps = (gaps[0], gaps[1])
    plan.surgery = plan.chemo_period_end + timedelta(days=plan.surgery_offset)
    plan.fu_dates = [add_months(plan.surgery, 3 * k) + timedelta(days=rng.randint(-9, 9))
                     for k in range(1, 9)]  # fmt: skip
    if plan.late_fu:
        plan.fu_dates[plan.late_fu - 1] = add_months(plan.surgery, 3 * plan.late_fu) + timedelta(
            days=rng.choice((17, 19, 23))
        )
    if plan.stage is Stage.COMPLETED:
        plan.exit_date = plan.fu_dates[-1] + timedelta(days=rng.randint(0, 14))
    elif plan.stage is Stage.WITHDRAWN:
        if plan.exit_phase == "CHEMO":
            plan.exit_date = plan.cycles[plan.exit_after - 1] + timedelta(days=rng.randint(9, 16))
        else:
            plan.exit_date = plan.fu_dates[plan.exit_after - 1] + timedelta(
                days=rng.randint(20, 60)
            )
    elif plan.stage is Stage.DIED:
        if plan.exit_phase == "CHEMO":
            plan.exit_date = plan.cycles[plan.exit_after - 1] + timedelta(days=rng.randint(10, 14))
        else:
            plan.exit_date = plan.fu_dates[plan.exit_after] + timedelta(days=rng.randint(40, 150))


def make_plan(rng: random.Random, index: int, stage: Stage, today: date) -> SubjectPlan:
    """Draw one subject in `stage`, its dates placed so that `today` falls in that stage."""
    seed = rng.getrandbits(48)
    local = random.Random(seed)
    plan = SubjectPlan(index=index, stage=stage, seed=local.getrandbits(48),
                       person=_person(local, index), tumour=_tumour(local))  # fmt: skip
    if stage is Stage.SCREEN_FAILED:
        plan.fail_reason = local.choice(("METASTASIS", "PRIOR_CHEMO", "CRCL", "ERMS", "ECOG"))
    if stage is Stage.ON_CHEMO:
        plan.chemo_cycle = local.choice((1, 2, 2, 3))
    if stage is Stage.WITHDRAWN:
        plan.exit_phase = local.choice(("CHEMO", "FOLLOW_UP", "FOLLOW_UP"))
        plan.exit_after = (
            local.choice((1, 2)) if plan.exit_phase == "CHEMO" else local.randint(1, 5)
        )
    if stage is Stage.DIED:
        plan.exit_phase = local.choice(("CHEMO", "FOLLOW_UP", "FOLLOW_UP", "FOLLOW_UP"))
        if plan.exit_phase == "CHEMO":
            plan.exit_after, plan.death_cause = 2, "TREATMENT_TOXICITY"
        else:
            plan.exit_after, plan.death_cause = local.randint(2, 5), "STS_PROGRESSION"
    # deliberate irregularities (soft checks fire and are overridden with a reason)
    plan.rt_machine_delay = local.random() < 0.08
    if local.random() < 0.22:
        plan.late_cycle = local.choice((2, 3))
        plan.late_cycle_days = local.choice((5, 6, 8, 16))  # 26–29 days: reason; 37: deviation
    plan.surgery_offset = local.choices((8, 10, 12, 13, 18, 25), (20, 30, 20, 10, 12, 8))[0]
    if local.random() < 0.12:
        plan.late_fu = local.randint(1, 7)
    if local.random() < 0.1:
        plan.late_wound = local.randint(2, 5)
    # place RT day 1 so that today falls inside the stage window
    nominal = {Stage.SCREENING: -12, Stage.SCREEN_FAILED: 300, Stage.ON_RT: 3,
               Stage.ON_CHEMO: 12 + 21 * plan.chemo_cycle - 10, Stage.AWAITING_SURGERY: 70,
               Stage.FOLLOW_UP: 450, Stage.COMPLETED: 860, Stage.WITHDRAWN: 400,
               Stage.DIED: 420}[stage]  # fmt: skip
    place(plan, today - timedelta(days=nominal))
    for _attempt in range(200):  # slide by whole weeks (keeps weekdays) into the window
        first, last = plan.window(today)
        if first <= today <= last:
            break
        place(plan, plan.rt_days[0] + timedelta(days=-7 if today < first else 7))
    # the earliest placement that still has today in the window, not before the history limit
    oldest = today - timedelta(days=MAX_HISTORY_DAYS)
    for _attempt in range(200):
        trial = plan.rt_days[0] - timedelta(days=7)
        saved = plan.rt_days[0]
        place(plan, trial)
        first, last = plan.window(today)
        if not first <= today <= last or plan.screening < oldest:
            place(plan, saved)
            break
    # then a uniform random position inside the window
    first, _last = plan.window(today)
    weeks = max(0, (today - first).days // 7)
    if weeks:
        place(plan, plan.rt_days[0] + timedelta(days=7 * local.randint(0, weeks)))
    return plan


def place(plan: SubjectPlan, rt_day1: date) -> None:
    """Re-draw the schedule from its own seed with RT day 1 on (or just after) `rt_day1`."""
    _schedule(plan, random.Random(plan.seed), rt_day1)


def choose_stages(rng: random.Random, count: int) -> list[Stage]:
    """Every stage at least once (when count allows), the rest by STAGE_WEIGHTS."""
    order = [
        Stage.FOLLOW_UP,
        Stage.ON_CHEMO,
        Stage.SCREEN_FAILED,
        Stage.COMPLETED,
        Stage.DIED,
        Stage.WITHDRAWN,
        Stage.ON_RT,
        Stage.AWAITING_SURGERY,
        Stage.SCREENING,
    ]
    stages = order[:count]
    names = list(STAGE_WEIGHTS)
    weights = [STAGE_WEIGHTS[s] for s in names]
    stages += rng.choices(names, weights, k=max(0, count - len(stages)))
    rng.shuffle(stages)
    return stages


def birth_date(rng: random.Random, consent: date, age: int) -> date:
    """A date of birth giving `age` completed years on the consent date."""
    return years_before(consent, age) - timedelta(days=rng.randint(1, 360))
