"""What the benchmarks measure in their child processes (shared by export_csv.py, export_odm.py,
export_package.py and export_pdf.py)."""

from __future__ import annotations

import resource
import sys


def peak_mb() -> float:
    """This process's peak resident memory: VmHWM where the kernel gives it (Linux), else
    ru_maxrss (KiB on Linux, bytes on macOS). Not ru_maxrss on Linux: a child started with
    fork + exec inherits its parent's maximum RSS there, so it never reads below the parent's."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024
