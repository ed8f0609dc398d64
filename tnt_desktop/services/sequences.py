"""Sequences that never reuse a number (screening numbers, study IDs, AE and DV numbers), and
the numbering scheme that keeps screening numbers and study IDs unique across the site's
workstations without any network.

Each workstation numbers from its own block, fixed when its database is created
(`admin init --workstation W [--screening-block A-B] [--id-block A-B]`) and stored in the
settings `numbering.SCRNUM` and `numbering.SUBJID` ("first-last"):

| workstation W | screening numbers (SCR-NNNN)   | study IDs (TNT-01-NNN)   |
|---------------|--------------------------------|--------------------------|
| 1             | SCR-0001 … SCR-0999            | TNT-01-001 … TNT-01-099  |
| 2             | SCR-1000 … SCR-1999            | TNT-01-100 … TNT-01-199  |
| W ≤ 10        | (W-1)·1000 … W·1000-1          | (W-1)·100 … W·100-1      |

A site with more than ten workstations (or other needs) gives the blocks explicitly at init; the
formats are the protocol's (four and three digits), so blocks must fit in 1–9999 and 1–999.
Workstation 1 numbers exactly as a single-workstation site always did. A database made before
the scheme has no block settings and numbers from the default block of its workstation.

Two workstations given overlapping blocks by mistake cannot notice it offline: the sponsor's
store does (the same number naming two different subjects is a conflict on import, never a
merge; see tnt_desktop/sponsor).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from tnt_desktop.errors import TntError, UsageError
from tnt_desktop.storage.models import Counter, Setting
from tnt_desktop.study.model import Text

SCREENING = "SCRNUM"
STUDY_ID = "SUBJID"
BLOCK_SIZE = {SCREENING: 1000, STUDY_ID: 100}
CAPACITY = {SCREENING: 9999, STUDY_ID: 999}
LABEL = {SCREENING: Text("screening numbers", "筛选号"), STUDY_ID: Text("study IDs", "研究编号")}
MAX_DEFAULT_WORKSTATION = 10
MAX_WORKSTATION = 99


def block_setting(name: str) -> str:
    return f"numbering.{name}"


def next_number(session: Session, name: str) -> int:
    """The next value of a never-reused sequence, inside the caller's transaction."""
    counter = session.get(Counter, name)
    if counter is None:
        counter = Counter(name=name, value=0)
        session.add(counter)
    counter.value += 1
    session.flush()
    return counter.value


def check_workstation(workstation: int) -> int:
    if not 1 <= int(workstation) <= MAX_WORKSTATION:
        raise UsageError(Text(f"the workstation number must be 1–{MAX_WORKSTATION}",
                              f"工作站编号须为 1–{MAX_WORKSTATION}"))  # fmt: skip
    return int(workstation)


def default_block(name: str, workstation: int) -> tuple[int, int]:
    """The block workstation W numbers from when none was given at init."""
    workstation = check_workstation(workstation)
    if workstation > MAX_DEFAULT_WORKSTATION:
        raise UsageError(
            Text(f"workstation {workstation}: give its number blocks at init "
                 "(--screening-block and --id-block); the default blocks cover workstations "
                 f"1–{MAX_DEFAULT_WORKSTATION}",
                 f"工作站 {workstation}：请在初始化时指定编号段"
                 "（--screening-block 和 --id-block）；"
                 f"默认编号段仅适用于工作站 1–{MAX_DEFAULT_WORKSTATION}")
        )  # fmt: skip
    size = BLOCK_SIZE[name]
    return max(1, (workstation - 1) * size), min(CAPACITY[name], workstation * size - 1)


def parse_block(name: str, text: str) -> tuple[int, int]:
    """"first-last" → (first, last), within the format's capacity."""
    try:
        first_text, last_text = str(text).split("-", 1)
        first, last = int(first_text), int(last_text)
    except ValueError:
        first, last = 0, -1
    if not 1 <= first <= last <= CAPACITY[name]:
        label = LABEL[name]
        raise UsageError(Text(f"{text!r} is not a block of {label.en}: give FIRST-LAST within "
                              f"1-{CAPACITY[name]}",
                              f"{text!r} 不是有效的{label.zh}编号段：请给出 1-{CAPACITY[name]} "
                              "范围内的 起-止"))  # fmt: skip
    return first, last


def initial_blocks(workstation: int, screening: str | None = None,
                   study_ids: str | None = None) -> dict[str, str]:  # fmt: skip
    """The block settings a new database stores (validated)."""
    blocks = {}
    for name, given in ((SCREENING, screening), (STUDY_ID, study_ids)):
        first, last = parse_block(name, given) if given else default_block(name, workstation)
        blocks[block_setting(name)] = f"{first}-{last}"
    return blocks


def number_block(session: Session, name: str, workstation: int) -> tuple[int, int]:
    row = session.get(Setting, block_setting(name))
    if row is None:
        return default_block(name, workstation)
    return parse_block(name, row.value)


def next_in_block(session: Session, name: str, workstation: int) -> int:
    """The next number of this workstation's block; refused when the block is used up."""
    first, last = number_block(session, name, workstation)
    number = first + next_number(session, name) - 1
    if number > last:
        label = LABEL[name]
        raise TntError(Text(f"no {label.en} left on this workstation (its block {first}–{last} "
                            "is used up); the administrator assigns a new block",
                            f"本工作站的{label.zh}已用完（编号段 {first}–{last}）；"
                            "请管理员分配新的编号段"))  # fmt: skip
    return number


def set_workstation(app, workstation: int, screening_block: str | None = None,
                    id_block: str | None = None) -> dict[str, str]:  # fmt: skip
    """Renumber this database as workstation W of its site (administrator, audited): for a
    workstation set up from another one's backup. It takes W's number blocks and numbers from
    the start of them; what was numbered before keeps its numbers (and its shared history,
    which the sponsor's store recognises as the same subjects)."""
    from tnt_desktop.services.permissions import Permission
    from tnt_desktop.services.settings import write_setting
    from tnt_desktop.storage.database import WORKSTATION_KEY

    app.require(Permission.CHANGE_SETTINGS)
    workstation = check_workstation(workstation)
    blocks = initial_blocks(workstation, screening_block, id_block)
    with app.transaction() as session:
        write_setting(app, session, WORKSTATION_KEY, str(workstation))
        for key, value in blocks.items():
            write_setting(app, session, key, value)
        for name in (SCREENING, STUDY_ID):
            counter = session.get(Counter, name)
            if counter is not None and counter.value:
                app.audit(session, "SETTING_CHANGED", item_name=f"counter.{name}",
                          old_value=str(counter.value), new_value="0",
                          detail=f"numbering restarts in block {blocks[block_setting(name)]}")
                counter.value = 0
    app.db.workstation = workstation
    return blocks


def claim_number(session: Session, name: str, workstation: int, number: int) -> None:
    """A number taken from elsewhere (an ODM import keeps the file's subject keys): when it lies
    in this workstation's block, the sequence moves past it, so that this database never hands
    it out again; a number of another workstation's block leaves the sequence alone."""
    first, last = number_block(session, name, workstation)
    if not first <= number <= last:
        return
    counter = session.get(Counter, name)
    if counter is None:
        counter = Counter(name=name, value=0)
        session.add(counter)
    counter.value = max(counter.value, number - first + 1)
    session.flush()
