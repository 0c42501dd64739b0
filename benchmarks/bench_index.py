"""Benchmark: index a large ALF tree with alflint vs one-api's ``make_parquet_db``.

Generates ``--files`` empty files (default 200,000) in a realistic tree (labs, subjects, dates,
40 files per session in collections, one revision folder), then in one run times

  (a) alflint: one walk (``alflint.collect.scan``, or a minimal ``os.scandir`` walker if that
      module is absent) + ``tables.build_tables`` + ``tables.write_tables``;
  (b) one-api: ``one.alf.cache.make_parquet_db(root, hash_ids=True)``.

Each side runs in a fresh subprocess so that its peak memory (``ru_maxrss``) is its own; the
memory after imports is reported too. Prints seconds, the ratio and peak memory, and checks
that both tables index the same (session, rel_path) pairs.

    python benchmarks/bench_index.py --files 200000
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

FILES_PER_SESSION = [
    "alf/_ibl_trials.intervals.npy", "alf/_ibl_trials.choice.npy", "alf/_ibl_trials.feedbackType.npy",
    "alf/_ibl_trials.goCue_times.npy", "alf/_ibl_trials.stimOn_times.npy", "alf/_ibl_trials.table.pqt",
    "alf/_ibl_wheel.position.npy", "alf/_ibl_wheel.timestamps.npy", "alf/_ibl_wheelMoves.intervals.npy",
    "alf/_ibl_wheelMoves.peakAmplitude.npy",
    "alf/probe00/spikes.times.npy", "alf/probe00/spikes.clusters.npy", "alf/probe00/spikes.amps.npy",
    "alf/probe00/spikes.depths.npy", "alf/probe00/clusters.metrics.pqt", "alf/probe00/clusters.channels.npy",
    "alf/probe00/#2021-07-05#/spikes.times.npy", "alf/probe00/#2021-07-05#/spikes.clusters.npy",
    "alf/probe01/spikes.times.npy", "alf/probe01/spikes.clusters.npy", "alf/probe01/spikes.amps.npy",
    "alf/probe01/spikes.depths.npy", "alf/probe01/clusters.metrics.pqt", "alf/probe01/clusters.channels.npy",
    "raw_video_data/_iblrig_leftCamera.raw.mp4", "raw_video_data/_iblrig_rightCamera.raw.mp4",
    "raw_video_data/_iblrig_bodyCamera.raw.mp4", "raw_video_data/_ibl_leftCamera.times.npy",
    "raw_video_data/_ibl_rightCamera.times.npy", "raw_video_data/_ibl_bodyCamera.times.npy",
    "raw_behavior_data/_iblrig_taskData.raw.jsonable", "raw_behavior_data/_iblrig_taskSettings.raw.json",
    "raw_behavior_data/_iblrig_encoderEvents.raw.ssv", "raw_behavior_data/_iblrig_encoderPositions.raw.ssv",
    "raw_behavior_data/_iblrig_ambientSensorData.raw.jsonable",
    "raw_ephys_data/_spikeglx_ephysData_g0_t0.imec0.ap.meta", "raw_ephys_data/_spikeglx_sync.times.npy",
    "raw_ephys_data/_spikeglx_sync.channels.npy", "raw_ephys_data/_spikeglx_sync.polarities.npy",
    "_ibl_experiment.description.yaml",
]
assert len(FILES_PER_SESSION) == 40


def make_tree(root: str, n_files: int) -> int:
    """Write about ``n_files`` empty files; returns the number written."""
    n_sessions = max(1, n_files // len(FILES_PER_SESSION))
    folders = sorted({os.path.dirname(f) for f in FILES_PER_SESSION})
    written = 0
    for i in range(n_sessions):
        lab = f"lab{i % 5}"
        subject = f"SUBJ-{i % 500:03d}"  # 100 subjects per lab
        day = datetime.date(2021, 1, 1) + datetime.timedelta(days=i // 500)
        session = os.path.join(root, lab, "Subjects", subject, day.isoformat(), "001")
        for folder in folders:
            os.makedirs(os.path.join(session, folder), exist_ok=True)
        for rel in FILES_PER_SESSION:
            with open(os.path.join(session, rel), "wb"):
                pass
            written += 1
    return written


# --------------------------------------------------------------------------------------------
# The two sides, each run in its own subprocess
# --------------------------------------------------------------------------------------------


def _rss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _minimal_rows(root: str):
    """A minimal walker: sessions lab/Subjects/subject/date/NNN and every file below them."""
    import re

    from alflint.tables import DatasetRow, SessionRow

    date = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
    number = re.compile(r"[0-9]{1,3}\Z")
    sessions, datasets = [], []

    def files(base: str, rel: str):
        with os.scandir(os.path.join(base, rel) if rel else base) as it:
            for entry in it:
                sub = f"{rel}/{entry.name}" if rel else entry.name
                if entry.is_dir():
                    yield from files(base, sub)
                elif entry.name.count(".") >= 2:
                    yield sub, entry.stat()

    def walk(rel: str, parts: list[str]):
        with os.scandir(os.path.join(root, rel) if rel else root) as it:
            for entry in it:
                if not entry.is_dir():
                    continue
                sub = f"{rel}/{entry.name}" if rel else entry.name
                if parts and date.match(parts[-1]) and number.match(entry.name) and len(parts) >= 2:
                    lab = parts[-4] if len(parts) >= 4 and parts[-3] == "Subjects" else None
                    sessions.append(SessionRow(sub, lab, parts[-2], parts[-1], entry.name))
                    for rel_path, st in files(os.path.join(root, sub), ""):
                        datasets.append(DatasetRow(sub, rel_path, st.st_size, None, st.st_mtime_ns))
                else:
                    walk(sub, parts + [entry.name])

    walk("", [])
    return sessions, datasets


def run_alflint(root: str, out: str, walker: str = "collect") -> dict:
    t_start = time.perf_counter()
    import pandas  # noqa: F401  (pyarrow imports it on its first array: count it with the imports)

    from alflint import tables

    scan = None
    if walker == "collect":
        try:
            from alflint.collect import iter_alf_datasets, scan
        except ImportError:
            pass
    import_s = time.perf_counter() - t_start
    rss_imports = _rss_mib()
    c0 = time.process_time()
    t0 = time.perf_counter()
    if scan is not None:
        walker = "alflint.collect.scan"
        collection = scan(root)
        sessions = [tables.SessionRow(s.key, s.lab, s.subject, s.date, s.number)
                    for s in collection.sessions if not s.reasons and s.nested_in is None]
        datasets = [tables.DatasetRow(d.session.key, d.rel_path, d.size, None, d.mtime_ns)
                    for d in iter_alf_datasets(collection)]
    else:
        walker = "minimal os.scandir walker"
        sessions, datasets = _minimal_rows(root)
    t1, c1 = time.perf_counter(), time.process_time()
    built = tables.build_tables(sessions, datasets, origin=root)
    t2, c2 = time.perf_counter(), time.process_time()
    tables.write_tables(out, *built)
    t3, c3 = time.perf_counter(), time.process_time()
    return {
        "walk_cpu_s": c1 - c0, "build_cpu_s": c2 - c1, "write_cpu_s": c3 - c2, "cpu_s": c3 - c0,
        "walker": walker, "import_s": import_s, "walk_s": t1 - t0, "build_s": t2 - t1, "write_s": t3 - t2,
        "total_s": t3 - t0, "rss_imports_mib": rss_imports, "rss_peak_mib": _rss_mib(),
        "sessions": len(sessions), "datasets": len(datasets),
    }


def run_one(root: str, out: str) -> dict:
    import warnings

    t_start = time.perf_counter()
    from one.alf.cache import make_parquet_db

    import_s = time.perf_counter() - t_start
    rss_imports = _rss_mib()
    c0 = time.process_time()
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        make_parquet_db(root, out_dir=out, hash_ids=True)
    t1 = time.perf_counter()
    return {"cpu_s": time.process_time() - c0, "import_s": import_s, "total_s": t1 - t0, "rss_imports_mib": rss_imports, "rss_peak_mib": _rss_mib()}


def _child(which: str, root: str, out: str, walker: str = "collect") -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", which, "--root", root, "--out", out, "--walker", walker],
        check=True, capture_output=True, text=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _same_content(out_a: str, out_b: str) -> tuple[int, int, bool]:
    import pyarrow.parquet as pq

    def pairs(folder):
        ses = pq.read_table(os.path.join(folder, "sessions.pqt")).to_pydict()
        path = {
            i: (lab or None, sub, d.isoformat(), f"{n:03d}")
            for i, lab, sub, d, n in zip(ses["id"], ses["lab"], ses["subject"], ses["date"], ses["number"])
        }
        ds = pq.read_table(os.path.join(folder, "datasets.pqt"), columns=["rel_path", "eid"]).to_pydict()
        return {(path[e], r) for e, r in zip(ds["eid"], ds["rel_path"])}

    a, b = pairs(out_a), pairs(out_b)
    return len(a), len(b), a == b


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200_000, help="number of files to generate (default 200000)")
    parser.add_argument("--dir", help="generate in this (new) folder instead of a temporary one")
    parser.add_argument("--keep", action="store_true", help="keep the generated tree")
    parser.add_argument("--skip-one", action="store_true", help="time alflint only")
    parser.add_argument("--walker", choices=["collect", "minimal"], default="collect",
                        help="alflint.collect.scan (default) or the minimal os.scandir walker of this script")
    parser.add_argument("--reuse", action="store_true", help="with --dir: reuse a tree generated before")
    parser.add_argument("--child", choices=["alflint", "one"], help=argparse.SUPPRESS)
    parser.add_argument("--root", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        if args.child == "alflint":
            result = run_alflint(args.root, args.out, args.walker)
        else:
            result = run_one(args.root, args.out)
        print(json.dumps(result))
        return 0

    base = args.dir or tempfile.mkdtemp(prefix="alflint-bench-")
    os.makedirs(base, exist_ok=True)
    root = os.path.join(base, "root")
    try:
        t0 = time.perf_counter()
        if args.reuse and os.path.isdir(root):
            print(f"reusing the tree under {root}")
        else:
            n = make_tree(root, args.files)
            print(f"generated {n} files in {time.perf_counter() - t0:.1f} s under {root}")
        out_a, out_b = os.path.join(base, "out_alflint"), os.path.join(base, "out_one")
        os.makedirs(out_a, exist_ok=True)
        os.makedirs(out_b, exist_ok=True)
        a = _child("alflint", root, out_a, args.walker)
        print(f"(a) alflint ({a['walker']}): {a['total_s']:.2f} s = walk {a['walk_s']:.2f} + build "
              f"{a['build_s']:.2f} + write {a['write_s']:.2f} (CPU {a['cpu_s']:.2f} s = {a['walk_cpu_s']:.2f} + "
              f"{a['build_cpu_s']:.2f} + {a['write_cpu_s']:.2f}); {a['sessions']} sessions, {a['datasets']} datasets; "
              f"peak RSS {a['rss_peak_mib']:.0f} MiB ({a['rss_imports_mib']:.0f} MiB after imports, "
              f"imports {a['import_s']:.2f} s)")
        if args.skip_one:
            return 0
        b = _child("one", root, out_b)
        print(f"(b) one-api make_parquet_db: {b['total_s']:.2f} s (CPU {b['cpu_s']:.2f} s); peak RSS {b['rss_peak_mib']:.0f} MiB "
              f"({b['rss_imports_mib']:.0f} MiB after imports, imports {b['import_s']:.2f} s)")
        print(f"alflint is {b['total_s'] / a['total_s']:.1f}x faster than make_parquet_db (wall), "
              f"{b['cpu_s'] / a['cpu_s']:.1f}x (CPU); peak RSS above imports: "
              f"alflint {a['rss_peak_mib'] - a['rss_imports_mib']:.0f} MiB, "
              f"ONE {b['rss_peak_mib'] - b['rss_imports_mib']:.0f} MiB")
        na, nb, same = _same_content(out_a, out_b)
        print(f"same (session, rel_path) pairs in both tables: {same} ({na} vs {nb})")
        return 0 if same else 1
    finally:
        if not args.keep and not args.dir:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
