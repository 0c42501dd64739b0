"""Where a check spends its time: per phase, per rule and per content format (``--timing``).

Off by default, and then nothing here runs. When a check is asked for timings, the engine
wraps each rule's check function and the content reader in timed versions, and the walk,
the collection, the engine's runs of the rules (reads and its own work included) and the
row records note their time. Worker processes of a split check start from empty timings
and send theirs back with their share; the parent adds them up.

Times are wall-clock seconds inside each process (``time.perf_counter_ns``), summed over
the processes: with two workers busy, the sums add up to about twice the wall time. A rule's
time leaves out the file reads it set off: the first rule to ask for a file's facts would
otherwise be billed for reading it, however cheap the rule. The reads are rows of their own,
by format, counted once per file. A rule's time includes turning its findings into issues.
Sessions taken from the result cache run no rule and are counted, not timed. The timers
themselves cost about a tenth more (200,000 files: 2.66-2.85 s against 2.30-2.52 s without,
6 alternating runs): they say where the time goes; benchmark without them.
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator, NamedTuple

__all__ = ["TimingRow", "TimingResult", "Timings", "current", "recording", "worker_timings", "phase", "count", "timed_check", "timed_reader", "combine", "render"]

#: Kinds of rows, in the order they are shown.
KINDS = ("phase", "rule", "read")

_clock = time.perf_counter_ns


class TimingRow(NamedTuple):
    """Time spent in one phase, rule or content format, summed over processes."""

    kind: str  #: 'phase', 'rule' or 'read'
    name: str  #: the phase ('walk' ...), the rule ('ALF302 attribute-length-mismatch') or the format ('npy')
    seconds: float
    calls: int  #: calls of the rule, files read, folders walked ...


class TimingResult(NamedTuple):
    """The timings of a check (``Report.timing``)."""

    processes: int  #: processes that recorded (the parent and each worker)
    wall: float  #: seconds from start to end, as the user waited
    rows: tuple[TimingRow, ...]  #: by kind (phases, rules, reads), the costliest first within each


class Timings:
    """Accumulated nanoseconds and calls by ``(kind, name)``; picklable (crosses from workers)."""

    __slots__ = ("entries", "read_ns", "pids")

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], list[int]] = {}
        self.read_ns = 0  #: all reads so far: a timed rule subtracts what its call added
        self.pids = {os.getpid()}

    def add(self, kind: str, name: str, ns: int, calls: int = 1) -> None:
        entry = self.entries.get((kind, name))
        if entry is None:
            self.entries[(kind, name)] = [ns, calls]
        else:
            entry[0] += ns
            entry[1] += calls

    def merge(self, other: "Timings | None") -> None:
        if other is None:
            return
        for (kind, name), (ns, calls) in other.entries.items():
            self.add(kind, name, ns, calls)
        self.pids |= other.pids

    def result(self, wall: float) -> TimingResult:
        order = {k: i for i, k in enumerate(KINDS)}
        rows = [TimingRow(kind, name, ns / 1e9, calls) for (kind, name), (ns, calls) in self.entries.items()]
        rows.sort(key=lambda r: (order.get(r.kind, len(order)), -r.seconds, r.name))
        return TimingResult(len(self.pids), wall, tuple(rows))


_current: Timings | None = None
_recording_pid = 0  # the process that asked for timings (not a worker)


def current() -> Timings | None:
    """The timings being recorded in this process, or None (the usual case)."""
    return _current


@contextmanager
def recording(on: bool) -> Iterator[Timings | None]:
    """Record timings in this process for the duration of the block (when ``on``); inside
    a block that records already, its timings go on."""
    global _current, _recording_pid
    if not on or _current is not None:  # an outer block records already (an index's check)
        yield _current if on else None
        return
    before = _current, _recording_pid
    _current, _recording_pid = Timings(), os.getpid()
    try:
        yield _current
    finally:
        _current, _recording_pid = before


def worker_timings() -> Timings | None:
    """Fresh timings for one piece of work in a forked worker, to send back with its results
    (so nothing noted before the fork, or for an earlier piece already sent, counts twice).
    None when not recording, or in the recording process itself (its timings go on)."""
    global _current
    if _current is None or os.getpid() == _recording_pid:
        return None
    _current = Timings()
    return _current


@contextmanager
def phase(name: str, calls: int = 1) -> Iterator[None]:
    """Time a block as phase ``name`` (nothing at all when not recording)."""
    timings = _current
    if timings is None:
        yield
        return
    start = _clock()
    try:
        yield
    finally:
        timings.add("phase", name, _clock() - start, calls)


def count(name: str, calls: int = 1) -> None:
    """Count an event as a phase that took no time (e.g. sessions reused from the cache)."""
    if _current is not None:
        _current.add("phase", name, 0, calls)


def timed_check(check: Callable[..., Any], name: str) -> Callable[..., Any]:
    """``check`` (a rule's check function) noting its time as rule ``name``, less its reads,
    in the timings recorded when it runs (:func:`current`: in a forked worker, those of the
    piece of work at hand, see :func:`worker_timings`).

    The wrapper is a generator like the rules themselves, so findings yielded before a crash
    still become issues, exactly as without timings."""

    def run(target: Any, ctx: Any) -> Iterator[Any]:
        timings = _current
        if timings is None:
            found = check(target, ctx)
            if found:
                yield from found
            return
        reads, start = timings.read_ns, _clock()
        try:
            found = check(target, ctx)
            if found:
                yield from found
        finally:
            timings.add("rule", name, _clock() - start - (timings.read_ns - reads))

    return run


def timed_reader(read: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``read`` (``dataset -> Facts``, caching on the dataset) noting each first read by
    format, in the timings recorded when it runs (as :func:`timed_check`)."""

    def timed_read(dataset: Any) -> Any:
        timings = _current
        if dataset.facts is not None or timings is None:
            return dataset.facts if dataset.facts is not None else read(dataset)
        start = _clock()
        try:
            return read(dataset)
        finally:
            ns = _clock() - start
            timings.read_ns += ns
            parts = dataset.parts
            timings.add("read", (parts.extension if parts is not None else dataset.extension) or "(none)", ns)

    return timed_read


def combine(first: TimingResult, then: TimingResult) -> TimingResult:
    """The timings of two steps run one after the other (a check, then the index built from
    it): wall times add up, and so do the rows of the same kind and name."""
    timings = Timings()
    timings.pids = set()
    for row in (*first.rows, *then.rows):
        timings.add(row.kind, row.name, round(row.seconds * 1e9), row.calls)
    combined = timings.result(first.wall + then.wall)
    return combined._replace(processes=max(first.processes, then.processes))


#: Rows shown of each table (the rest are summed on one line; ``Report.timing`` has them all).
SHOWN = 15

_TITLES = {"phase": ("phase", "seconds", "calls", ""), "rule": ("rule", "seconds", "calls", "µs/call"),
           "read": ("content read", "seconds", "files", "µs/file")}


def render(timing: TimingResult) -> str:
    """The timings as text tables (phases, then rules, then reads), for standard error."""
    processes, wall, rows = timing
    lines = [f"timing: {wall:.2f} s wall; seconds below are summed over {processes} process{'es' if processes != 1 else ''}"
             f" (each process's own clock)"]
    for kind in KINDS:
        chosen = [r for r in rows if r.kind == kind]
        if not chosen:
            continue
        title = _TITLES[kind]
        total = sum(r.seconds for r in chosen)
        width = max(len(title[0]), *(len(r.name) for r in chosen))
        lines.append("")
        lines.append(f"  {title[0]:<{width}}  {title[1]:>8}  {'share':>6}  {title[2]:>10}  {title[3]:>8}".rstrip())
        shown, rest = chosen[:SHOWN], chosen[SHOWN:]
        for r in shown:
            share = f"{100 * r.seconds / total:5.1f}%" if total > 0 else ""
            per = f"{1e6 * r.seconds / r.calls:8.1f}" if title[3] and r.calls else ""
            lines.append(f"  {r.name:<{width}}  {r.seconds:8.3f}  {share:>6}  {r.calls:>10,}  {per:>8}".rstrip())
        if rest:
            seconds = sum(r.seconds for r in rest)
            share = f"{100 * seconds / total:5.1f}%" if total > 0 else ""
            lines.append(f"  {f'{len(rest)} more':<{width}}  {seconds:8.3f}  {share:>6}")
        lines.append(f"  {'total':<{width}}  {total:8.3f}")
    return "\n".join(lines) + "\n"
