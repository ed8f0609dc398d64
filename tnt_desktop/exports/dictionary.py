"""Write the data dictionary as CSV: UTF-8 with BOM so that Excel shows the Chinese columns."""

from __future__ import annotations

import csv
import os
import tempfile
from pathlib import Path

from tnt_desktop.study.definition import Study
from tnt_desktop.study.dictionary import COLUMNS, dictionary_rows


def write_dictionary_csv(study: Study, out: Path) -> int:
    """Write the dictionary atomically (temporary file + rename); returns the number of rows."""
    rows = dictionary_rows(study)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".dictionary-", suffix=".csv", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\r\n")
            writer.writeheader()
            writer.writerows(rows)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return len(rows)
