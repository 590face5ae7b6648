"""What the benchmarks share: the ``[bench]`` log, timing a block of code with its
queries and peak memory (``Measure``, ``best_of``, ``interleaved_best_of``), patching an
attribute for a while and a note on the machine."""

import contextlib
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
MODULE = "it_support_time"
GENERATED_KEY = "it_support_time.bench_generated"


def log(message):
    print(f"[bench] {message}", flush=True)


def _status_kb(key):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(key):
                return int(line.split()[1])
    return 0


def _reset_peak():
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


class Measure:
    """Time, queries (``cr.sql_log_count``) and peak RSS of a block of code."""

    def __init__(self, cr):
        self.cr = cr
        self.seconds = None
        self.queries = None
        self.peak_mb = None
        self.start_mb = None
        self.growth_mb = None

    def __enter__(self):
        _reset_peak()
        self.start_mb = _status_kb("VmRSS") / 1024
        self._queries = self.cr.sql_log_count
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self._start
        self.queries = self.cr.sql_log_count - self._queries
        self.peak_mb = _status_kb("VmHWM") / 1024
        self.growth_mb = self.peak_mb - self.start_mb
        return False

    def keep_highest_memory(self, other):
        self.peak_mb = max(self.peak_mb, other.peak_mb)
        self.growth_mb = max(self.growth_mb, other.growth_mb)


def interleaved_best_of(runs, cr, funcs, before=None):
    """``best_of`` for several functions run in turn within each round, so that a change
    of the machine's load during the benchmark weighs on all of them alike. Returns
    {name: (best measure, result)}."""
    best = {}
    for _run in range(runs):
        for name, func in funcs.items():
            if before:
                before()
            with Measure(cr) as measure:
                result = func()
            previous = best.get(name)
            if previous is None or measure.seconds < previous[0].seconds:
                if previous:
                    measure.keep_highest_memory(previous[0])
                best[name] = (measure, result)
            else:
                previous[0].keep_highest_memory(measure)
    return best


def best_of(runs, cr, func, before=None):
    """The fastest of ``runs`` calls of ``func`` (``before`` runs untimed before each);
    its query count and the highest peak RSS of the runs."""
    best = None
    result = None
    for _run in range(runs):
        if before:
            before()
        with Measure(cr) as measure:
            result = func()
        if best is None or measure.seconds < best.seconds:
            if best is not None:
                measure.keep_highest_memory(best)
            best = measure
        else:
            best.keep_highest_memory(measure)
    return best, result


def highest_memory(measures):
    highest = measures[0]
    for measure in measures[1:]:
        highest.keep_highest_memory(measure)
    return highest


@contextlib.contextmanager
def patched(owner, name, value):
    original = getattr(owner, name)
    setattr(owner, name, value)
    try:
        yield
    finally:
        setattr(owner, name, original)


def machine_note():
    cores = os.cpu_count()
    with open("/proc/meminfo") as meminfo:
        total_kb = int(meminfo.readline().split()[1])
    load = os.getloadavg()
    return (
        f"machine: {cores} cores, {total_kb / 1024 / 1024:.0f} GB RAM, load average "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} at the end (shared with other jobs)"
    )
