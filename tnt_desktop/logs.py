"""The application log: a rotating file in the platform's log folder.

What is logged is what a support person needs — which screen, which command, which error type
and where — never a clinical value, an identifier or a secret. Call sites log event names and
counts only; `SafeFormatter` additionally drops exception *messages* (which could quote a value)
and keeps the exception type and the traceback's file/line/function names.
"""

from __future__ import annotations

import logging
import logging.handlers
import traceback
from pathlib import Path

LOG_NAME = "tnt_desktop"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 5


class SafeFormatter(logging.Formatter):
    def formatException(self, ei) -> str:
        kind, _value, tb = ei
        frames = traceback.extract_tb(tb)
        lines = [f'  File "{f.filename}", line {f.lineno}, in {f.name}' for f in frames]
        name = kind.__name__ if kind is not None else "Exception"
        return "Traceback (most recent call last):\n" + "\n".join(lines) + f"\n{name}"


def setup_logging(folder: Path | None = None, level: int = logging.INFO) -> Path:
    """Attach the rotating file handler (once); returns the log file path."""
    if folder is None:
        from tnt_desktop.paths import user_log_dir

        folder = user_log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "tnt-desktop.log"
    logger = logging.getLogger(LOG_NAME)
    logger.setLevel(level)
    for handler in logger.handlers:
        if isinstance(handler, logging.handlers.RotatingFileHandler):
            return Path(handler.baseFilename)
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
    )
    handler.setFormatter(SafeFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    return path


def get_logger(name: str) -> logging.Logger:
    return logging.getLogger(f"{LOG_NAME}.{name}")
