"""docs/architecture.md (issue 19): every file or folder it names exists, so the map a newcomer
reads is the house as it stands."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "architecture.md"
# a code span that is a path: has a slash or a file suffix, and no spaces or wildcards
PATH = re.compile(r"`([A-Za-z0-9_./-]+(?:/|\.(?:py|md|qss|ts|toml|spec)))`")


def named_paths(text: str) -> list[str]:
    return sorted({m.group(1) for m in PATH.finditer(text)})


def test_every_path_in_the_architecture_map_exists():
    names = named_paths(DOC.read_text(encoding="utf-8"))
    assert len(names) > 30  # the map names the rooms, not two of them
    missing = [name for name in names if not (ROOT / name).exists()]
    assert missing == []


def test_the_path_pattern_sees_paths_and_not_prose():
    sample = "`tnt_desktop/cli/` `docs/storage.md` `admin verify` `needs_today=True` `a b.py`"
    assert named_paths(sample) == ["docs/storage.md", "tnt_desktop/cli/"]
