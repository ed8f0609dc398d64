"""The application log: a rotating file in the platform's log folder.

What is logged is what a support person needs — which screen, which command, which error type
and where — never a clinical value, an identifier or a secret. Call sites log event names and
counts only; `SafeFormatter` additionally drops exception *messages* (which could quote a value)
and keeps the exception type and the traceback's file/line/function names.
"""

from __future__ import annotations

import logging
import os
import traceback
from pathlib import Path

LOG_NAME = "tnt_desktop"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 5


class RotatingLog(logging.FileHandler):
    """Appends to one file and rotates it at `max_bytes` (`.1` … `.N`, the oldest dropped).

    Not `logging.handlers.RotatingFileHandler`: that module pulls in socket, pickle and queue,
    about 12 ms before the first window can show (issue 4's start-up benchmark)."""

    def __init__(self, path: Path, max_bytes: int, backups: int) -> None:
        super().__init__(path, encoding="utf-8", delay=True)
        self.max_bytes = max_bytes
        self.backups = backups

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if self._too_big(record):
                self._rotate()
        except OSError:
            self.handleError(record)
            return
        super().emit(record)

    def _too_big(self, record: logging.LogRecord) -> bool:
        path = Path(self.baseFilename)
        if not path.exists():
            return False
        return path.stat().st_size + len(self.format(record)) + 1 > self.max_bytes

    def _rotate(self) -> None:
        if self.stream is not None:
            self.stream.close()
            self.stream = None  # type: ignore[assignment]
        for number in range(self.backups - 1, 0, -1):
            older = f"{self.baseFilename}.{number}"
            if os.path.exists(older):
                os.replace(older, f"{self.baseFilename}.{number + 1}")
        os.replace(self.baseFilename, f"{self.baseFilename}.1")


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
        if isinstance(handler, RotatingLog):
            return Path(handler.baseFilename)
    handler = RotatingLog(path, MAX_BYTES, BACKUP_COUNT)
    handler.setFormatter(SafeFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    return path


def get_logger(name: str) -> logging.Logger:
    return logging.getLogger(f"{LOG_NAME}.{name}")
