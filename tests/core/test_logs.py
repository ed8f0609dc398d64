"""The application log: rotates by size, keeps N old files, never writes an exception message."""

from __future__ import annotations

import logging

from tnt_desktop.logs import RotatingLog, SafeFormatter


def _logger(handler: logging.Handler, name: str) -> logging.Logger:
    logger = logging.getLogger(f"tnt_desktop.test.{name}")
    logger.propagate = False
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    return logger


def test_the_log_rotates_at_its_size_and_keeps_the_configured_number_of_old_files(tmp_path):
    path = tmp_path / "app.log"
    handler = RotatingLog(path, max_bytes=200, backups=2)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = _logger(handler, "rotate")
    for number in range(40):
        logger.info("event %03d %s", number, "x" * 20)
    handler.close()
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["app.log", "app.log.1", "app.log.2"]
    for name in files:
        assert (tmp_path / name).stat().st_size <= 200
    assert "event 039" in path.read_text()
    assert "event 000" not in "".join((tmp_path / n).read_text() for n in files)  # oldest dropped
    kept = (tmp_path / "app.log.1").read_text().split()
    assert kept and kept[0] == "event"


def test_exception_messages_are_left_out_of_the_log(tmp_path):
    path = tmp_path / "app.log"
    handler = RotatingLog(path, max_bytes=10_000, backups=1)
    handler.setFormatter(SafeFormatter("%(levelname)s %(message)s"))
    logger = _logger(handler, "safe")
    try:
        raise ValueError("patient 张三 weight 71 kg")
    except ValueError:
        logger.exception("save failed")
    handler.close()
    text = path.read_text(encoding="utf-8")
    assert "save failed" in text and "ValueError" in text
    assert "张三" not in text and "71 kg" not in text
