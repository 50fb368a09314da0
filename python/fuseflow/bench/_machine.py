"""What the run's JSON says about the machine: CPU, cores, memory, SIMD targets, load, git."""

import os
import platform
import subprocess
from pathlib import Path


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_bytes():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def git_commit():
    """HEAD of the source tree fuseflow was imported from, when it is a git checkout (else None)."""
    import fuseflow

    here = Path(fuseflow.__file__).resolve().parent
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True,
                                timeout=5).stdout.strip()
        if not commit:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                               capture_output=True, text=True, timeout=5).stdout.strip()
        return commit + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return None


def load_average():
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def machine_info():
    import fuseflow as ff

    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_bytes": _memory_bytes(),
        "simd_target": ff._core.math_target_name(),
        "exec_simd_target": ff._core.exec_simd_target(),
        "fuseflow_threads": ff.get_num_threads(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "load_average_start": load_average(),
    }
