"""Compare two results of the benchmark runner: did a change make a step slower or faster?

    python benchmarks/run.py --size medium --json before.json    # on the old code
    python benchmarks/run.py --size medium --json after.json     # on the new code
    python benchmarks/compare.py before.json after.json [--markdown]

For every step: the median seconds of each run and their ratio, the CPU seconds and the peak
memory. A step is called **slower** only when every run of the new result took longer than
every run of the old one, **faster** only the other way round, and ``~`` when their runs
overlap: on a shared machine a step's runs spread by a third, and a change of medians inside
that spread is noise. Steps run once on either side (``make_parquet_db`` on a big tree) get no
verdict. Then the API's per-call medians and the targets, before and after. Results of trees
with different numbers of files are compared all the same, with a warning first.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from run import fmt, render

SLOWER, FASTER, NOISE = "slower", "faster", "~"


def verdict(old_runs: list[float], new_runs: list[float]) -> str:
    """``slower``/``faster`` when the two sets of runs do not overlap, ``~`` when they do,
    ``""`` when either side has fewer than two runs (nothing to tell noise by)."""
    if len(old_runs) < 2 or len(new_runs) < 2:
        return ""
    if min(new_runs) > max(old_runs):
        return SLOWER
    if max(new_runs) < min(old_runs):
        return FASTER
    return NOISE


def _ratio(old: float | None, new: float | None) -> str:
    return "-" if not old or new is None else f"{new / old:.2f}x"


def step_rows(old: dict, new: dict) -> list[list[str]]:
    """One row per step of either result, in the new result's order (steps only in the old
    result last)."""
    names = list(new.get("steps", {})) + [n for n in old.get("steps", {}) if n not in new.get("steps", {})]
    rows = []
    for name in names:
        a, b = old.get("steps", {}).get(name, {}), new.get("steps", {}).get(name, {})
        a_s, b_s = a.get("seconds"), b.get("seconds")
        if a and b and a.get("status") == b.get("status") == "ok":
            said = verdict(a.get("runs_s") or [], b.get("runs_s") or [])
        else:
            said = "/".join(str(s.get("status", "absent")) for s in (a or {"status": "absent"}, b or {"status": "absent"}))
        rows.append([name, fmt(a_s, ".3f"), fmt(b_s, ".3f"), _ratio(a_s, b_s), said,
                     fmt(a.get("cpu_s"), ".2f"), fmt(b.get("cpu_s"), ".2f"),
                     fmt(a.get("peak_rss_mib"), ".0f"), fmt(b.get("peak_rss_mib"), ".0f")])
    return rows


def api_rows(old: dict, new: dict) -> list[list[str]]:
    """The per-call medians (microseconds) of the API, alflint and one-api."""
    rows = []
    for who in ("alflint", "one"):
        a, b = old.get("api", {}).get(who, {}), new.get("api", {}).get(who, {})
        for call in [k for k, v in b.items() if isinstance(v, dict)] or [k for k, v in a.items() if isinstance(v, dict)]:
            a_us, b_us = (a.get(call) or {}).get("median_us"), (b.get(call) or {}).get("median_us")
            rows.append([f"{who} {call}", fmt(a_us, ",.1f"), fmt(b_us, ",.1f"), _ratio(a_us, b_us)])
    return rows


def target_rows(old: dict, new: dict) -> list[list[str]]:
    before = {t["target"]: t for t in old.get("targets", [])}
    rows = []
    for t in new.get("targets", []):
        a = before.get(t["target"], {})
        rows.append([t["target"], f"{fmt(a.get('value'), '.2f')} {a.get('result', '-')}",
                     f"{fmt(t.get('value'), '.2f')} {t.get('result', '-')}"])
    return rows


def compare(old: dict, new: dict, *, markdown: bool = False) -> str:
    """The comparison of two results of ``run.py --json``, as text (or markdown) tables."""
    out = []
    files = (old.get("meta", {}).get("files"), new.get("meta", {}).get("files"))
    if files[0] != files[1]:
        out.append(f"warning: the results are of different trees ({files[0]} and {files[1]} files)\n")
    out.append(render(step_rows(old, new), ["step", "old s", "new s", "new/old", "verdict", "old CPU s", "new CPU s",
                                            "old MiB", "new MiB"], markdown))
    api = api_rows(old, new)
    if api:
        out.append("\nper call (median microseconds):\n" + render(api, ["call", "old", "new", "new/old"], markdown))
    targets = target_rows(old, new)
    if targets:
        out.append("\ntargets:\n" + render(targets, ["target", "old", "new"], markdown))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", help="JSON written by run.py --json (the baseline)")
    parser.add_argument("new", help="JSON written by run.py --json (the change)")
    parser.add_argument("--markdown", action="store_true", help="print markdown tables")
    args = parser.parse_args(argv)
    results = []
    for path in (args.old, args.new):
        try:
            data = json.loads(Path(path).read_text())
        except (OSError, ValueError) as exc:
            sys.stderr.write(f"compare.py: cannot read {path}: {exc}\n")
            return 2
        if not isinstance(data, dict) or not isinstance(data.get("steps"), dict):
            sys.stderr.write(f"compare.py: {path} is not a result of run.py --json\n")
            return 2
        results.append(data)
    print(compare(*results, markdown=args.markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
