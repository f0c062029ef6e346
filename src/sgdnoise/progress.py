"""Progress lines of long jobs, in their logs: a light module, so that stage jobs which only report progress do not
import the compiled engine."""

from __future__ import annotations

import sys
import time


def progress_reporter(label: str, every_seconds: float = 30.0, clock=time.monotonic):
    """Progress lines on stderr (the job log) at every 10 % of the steps and at least every `every_seconds`:
    steps done, rate and the estimated time left (wall-clock appears in logs only, never in results)."""
    start = clock()
    state = {"percent": 0, "last": start}

    def report(done: int, total: int) -> None:
        now = clock()
        percent = 100 * done // total
        if percent // 10 > state["percent"] // 10 or now - state["last"] >= every_seconds:
            rate = done / (now - start) if now > start else float("inf")
            left = (total - done) / rate if rate > 0 else float("inf")
            print(f"{label}: {percent}% ({done} of {total} steps), {rate:.3g} steps/s, about {left:.0f} s left", file=sys.stderr, flush=True)
            state.update(percent=percent, last=now)

    return report
