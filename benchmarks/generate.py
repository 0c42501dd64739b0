"""Generate realistic ALF repositories for benchmarks: real names, real contents, any size.

Sessions mix a typical IBL session (trials, wheel, two probes with spikes and clusters, a
``#2021-07-05#`` revision, raw video/behaviour/ephys data, namespaces and timescales) with the
real high-confidence dataset names of ``tests/data/ibl/alf_names.csv``. Every ``.npy`` holds
real data whose first dimension is a function of the object's identity (session, folder and
object name, whatever the namespace), so the typical and the real attributes of one object
always agree while lengths differ from session to session as in real data (``intervals`` are ``(n, 2)``, times increase); an attribute named after an
object of its folder (``spikes.clusters``, ``channels.probes``) holds int64 row indices into it.
Real names that would share a loadable key with another file (ALF301) or differ from another
path only by case (ALF113) are left out, and more sessions are made so that exactly ``--files``
files are written. A generated repository therefore passes ``alflint check`` (content rules on)
with no errors and can be indexed; warnings and notes remain on some real names (``Camera.*``
capitals, raw ``.bin`` without metadata, raw data with its ``.meta``/``.ch`` side files). Parquet
tables are written by pandas with the columns of IBL's (a DLC table has 33, ``clusters.metrics``
30, ``trials.table`` 17) and values of their own, so no two share a footer, as on real data.
Other formats get small valid contents (JSON, JSON lines, CSV/TSV/SSV with a header) or
opaque bytes (video, raw ephys). Files are written from pre-built byte strings, so 200,000
files take seconds. ``tests/test_generate.py`` checks the promise.

    python benchmarks/generate.py /tmp/alf-200k --files 200000
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import sys
import time
import zlib
from functools import lru_cache
from pathlib import Path

#: Bumped whenever the same arguments would generate another tree (run.py then makes it again).
GENERATOR_VERSION = 2

NAMES_CSV = Path(__file__).resolve().parents[1] / "tests" / "data" / "ibl" / "alf_names.csv"
LABS = ("cortexlab", "churchlandlab", "mainenlab", "angelakilab", None)

#: A typical session: (relative path, rows) with rows shared by every attribute of an object.
TYPICAL = [
    ("alf/_ibl_trials.intervals.npy", "trials"),
    ("alf/_ibl_trials.choice.npy", "trials"),
    ("alf/_ibl_trials.feedbackType.npy", "trials"),
    ("alf/_ibl_trials.goCue_times.npy", "trials"),
    ("alf/_ibl_trials.stimOn_times.npy", "trials"),
    ("alf/_ibl_trials.intervals_bpod.npy", "trials"),
    ("alf/_ibl_wheel.position.npy", "wheel"),
    ("alf/_ibl_wheel.timestamps.npy", "wheel"),
    ("alf/_ibl_wheelMoves.intervals.npy", "wheelMoves"),
    ("alf/_ibl_wheelMoves.peakAmplitude.npy", "wheelMoves"),
    ("alf/probe00/pykilosort/spikes.times.npy", "spikes"),
    ("alf/probe00/pykilosort/spikes.clusters.npy", "spikes"),
    ("alf/probe00/pykilosort/spikes.amps.npy", "spikes"),
    ("alf/probe00/pykilosort/spikes.depths.npy", "spikes"),
    ("alf/probe00/pykilosort/clusters.depths.npy", "clusters"),
    ("alf/probe00/pykilosort/clusters.channels.npy", "clusters"),
    ("alf/probe00/pykilosort/clusters.metrics.pqt", "clusters"),
    ("alf/probe00/pykilosort/#2021-07-05#/spikes.times.npy", "spikes"),
    ("alf/probe00/pykilosort/#2021-07-05#/spikes.clusters.npy", "spikes"),
    ("alf/probe01/spikes.times.npy", "spikes"),
    ("alf/probe01/spikes.clusters.npy", "spikes"),
    ("alf/probe01/spikes.amps.npy", "spikes"),
    ("alf/probe01/clusters.depths.npy", "clusters"),
    ("alf/probe01/clusters.channels.npy", "clusters"),
    ("alf/probe01/spikes.times_ephysClock.npy", "spikes"),
    ("raw_video_data/_iblrig_leftCamera.raw.mp4", None),
    ("raw_video_data/_ibl_leftCamera.times.npy", "leftCamera"),
    ("raw_video_data/_iblrig_rightCamera.raw.mp4", None),
    ("raw_video_data/_ibl_rightCamera.times.npy", "rightCamera"),
    ("raw_behavior_data/_iblrig_taskData.raw.jsonable", "taskData"),
    ("raw_behavior_data/_iblrig_taskSettings.raw.json", None),
    ("raw_behavior_data/_iblrig_encoderEvents.raw.ssv", "encoderEvents"),
    ("raw_ephys_data/probe00/_spikeglx_ephysData_g0_t0.imec0.ap.cbin", None),
    ("raw_ephys_data/probe00/_spikeglx_ephysData_g0_t0.imec0.ap.meta", None),
    ("raw_ephys_data/probe00/_spikeglx_ephysData_g0_t0.imec0.ap.ch", None),
    ("raw_ephys_data/_spikeglx_sync.times.npy", "sync"),
    ("raw_ephys_data/_spikeglx_sync.channels.npy", "sync"),
    ("raw_ephys_data/_spikeglx_sync.polarities.npy", "sync"),
    ("probes.description.json", None),
    ("_ibl_experiment.description.yaml", None),
]

#: Rows per object in the typical session (small: the benchmarks measure files, not bytes).
ROWS = {"trials": 40, "wheel": 200, "wheelMoves": 12, "spikes": 300, "clusters": 20, "leftCamera": 100, "rightCamera": 100, "taskData": 40, "encoderEvents": 50, "sync": 60}


def real_names() -> list[str]:
    """Session-relative paths of real, high-confidence IBL datasets that ONE's grammar accepts."""
    with open(NAMES_CSV, newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh)]
    keep = []
    for r in rows:
        if r["confidence"] != "high" or r["valid_filename"] != "True" or r["valid_collection"] != "True":
            continue
        if r["is_template"] == "True" or r["suspect_synthetic"] == "True" or r["revision"]:
            continue
        keep.append(r["rel_path"])
    return sorted(set(keep))


# ---------------------------------------------------------------------------------------------
# Contents, built once per (kind, rows) and reused
# ---------------------------------------------------------------------------------------------


def _npy(descr: str, shape: tuple[int, ...], data: bytes) -> bytes:
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, repr(shape))
    total = 10 + len(header) + 1
    pad = (64 - total % 64) % 64
    header = header + " " * pad + "\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode("latin1") + data


@lru_cache(maxsize=None)
def npy_bytes(attribute: str, rows: int, index_rows: int = 0) -> bytes:
    """A real .npy for an attribute: int64 row indices below ``index_rows`` for relations
    (``(n, 2)`` pairs when the name is also an interval), (n, 2) increasing intervals,
    increasing float times, float64 values otherwise."""
    import numpy as np

    from alflint.rules.lengths import role as role_of  # read names as the length rules do

    role = role_of(attribute)
    if index_rows:
        arr = np.arange(rows, dtype="<i8") % index_rows
        if role == "intervals":
            arr = np.stack([arr, arr], axis=1)
    elif role == "intervals":
        start = np.arange(rows, dtype="<f8")
        arr = np.stack([start, start + 0.5], axis=1)
    elif role in ("times", "timestamps"):
        arr = np.arange(rows, dtype="<f8") * 0.01
    elif attribute in ("choice", "feedbackType", "polarities"):
        arr = (np.arange(rows, dtype="<i8") % 2) * 2 - 1
    else:
        arr = np.linspace(0, 1, rows, dtype="<f8")
    arr = np.ascontiguousarray(arr)
    return _npy(arr.dtype.str, arr.shape, arr.tobytes())


#: Columns of the IBL tables written as parquet, as pandas writes them (the footer's size, and
#: with it the cost of reading it, grows with the columns: a two-column stand-in would hide it).
_DLC_PARTS = ("pupil_top_r", "pupil_right_r", "pupil_bottom_r", "pupil_left_r", "nose_tip", "tongue_end_r",
              "tongue_end_l", "paw_r", "paw_l", "tube_top", "tube_bottom")
TABLE_COLUMNS = {
    "trials.table": ("intervals_0", "intervals_1", "goCue_times", "response_times", "choice", "stimOn_times",
                     "contrastLeft", "contrastRight", "feedback_times", "feedbackType", "rewardVolume",
                     "probabilityLeft", "firstMovement_times", "stimOff_times", "quiescencePeriod",
                     "goCueTrigger_times", "stimOnTrigger_times"),
    "clusters.metrics": ("cluster_id", "amp_max", "amp_min", "amp_median", "amp_std_dB", "contamination",
                         "contamination_alt", "drift", "missed_spikes_est", "noise_cutoff", "presence_ratio",
                         "presence_ratio_std", "slidingRP_viol", "spike_count", "firing_rate", "label",
                         "ks2_label", "depths", "channels", "amps", "peakToTrough", "amp_std", "ks2_contamination",
                         "isi_viol", "median_amp", "frac_amp_missing", "max_drift", "cum_drift", "l_ratio", "d_prime"),
    "dlc": tuple(f"{part}_{axis}" for part in _DLC_PARTS for axis in ("x", "y", "likelihood")),
    "features": ("pupilDiameter_raw", "pupilDiameter_smooth", "motion_energy", "times", "paw_speed", "nose_speed"),
}
_TEXT_COLUMNS = {"ks2_label", "label"}


def table_columns(parts) -> tuple[str, ...]:
    """The columns of the parquet table of a file with these parsed name ``parts`` (five
    generic ones if unknown)."""
    obj, attribute = (parts.object, parts.attribute) if parts is not None else ("", "")
    if obj.endswith("trials") and attribute == "table":
        return TABLE_COLUMNS["trials.table"]
    if obj.endswith("clusters") and attribute == "metrics":
        return TABLE_COLUMNS["clusters.metrics"]
    if obj.endswith("Camera") and attribute in ("dlc", "lightningPose", "features"):
        return TABLE_COLUMNS["features" if attribute == "features" else "dlc"]
    return ("a", "b", "c", "d", "e")


def pqt_bytes(columns: tuple[str, ...], rows: int, session: int, salt: int = 0) -> bytes:
    """A parquet table written by pandas, as IBL writes them: values (and with them the
    footer's statistics) differ from session to session and file to file, as real ones do."""
    import numpy as np
    import pandas as pd

    base = np.linspace(0.0, 1.0, rows) + session * 1e-3 + salt * 1e-9
    data = {c: (np.where(base > 0.5, "good", "mua") if c in _TEXT_COLUMNS else base * (i + 1)) for i, c in enumerate(columns)}
    sink = io.BytesIO()
    pd.DataFrame(data).to_parquet(sink)
    return sink.getvalue()


@lru_cache(maxsize=None)
def text_bytes(extension: str, rows: int) -> bytes:
    sep = {"csv": ",", "tsv": "\t", "htsv": "\t", "ssv": " "}[extension]
    return ("a" + sep + "b\n" + "".join(f"{i}{sep}{i * 2}\n" for i in range(rows))).encode()


@lru_cache(maxsize=None)
def parse(name: str):
    """alflint's parts of a filename (namespace, object, attribute, timescale, extra, ...), or None."""
    from alflint.spec import try_parse_filename

    return try_parse_filename(name)


def content(rel_path: str, rows: int, index_rows: int = 0, session: int = 0) -> bytes:
    name = rel_path.rsplit("/", 1)[-1]
    parts = parse(name)
    extension = name.rsplit(".", 1)[-1]
    attribute = (parts.attribute or "") if parts is not None else ""
    if extension == "npy":
        return npy_bytes(attribute, rows, index_rows)
    if extension == "pqt":
        return pqt_bytes(table_columns(parts), rows, session, zlib.crc32(rel_path.encode()))
    if extension in ("csv", "tsv", "htsv", "ssv"):
        return text_bytes(extension, rows)
    if extension == "json":
        return b'{"generated": true}'
    if extension == "jsonable":
        return b'{"row": 0}\n' * rows
    if extension in ("yaml", "yml"):
        return b"generated: true\n"
    return b"\0" * 64  # opaque formats (video, raw ephys, archives): not inspected


# ---------------------------------------------------------------------------------------------
# Layout
# ---------------------------------------------------------------------------------------------


def session_paths(count: int, seed: int = 0) -> list[str]:
    """``count`` distinct session paths across labs (one lab-less), subjects, dates, numbers."""
    rng = random.Random(seed)
    out = []
    i = 0
    while len(out) < count:
        lab = LABS[i % len(LABS)]
        subject = f"SW{(i // len(LABS)) % 97:03d}"
        day = i // (len(LABS) * 97)
        date = f"{2020 + day // 336}-{(day // 28) % 12 + 1:02d}-{day % 28 + 1:02d}"
        number = f"{rng.randint(1, 3):03d}"
        path = f"{lab}/Subjects/{subject}/{date}/{number}" if lab else f"{subject}/{date}/{number}"
        out.append(path)
        i += 1
    return sorted(set(out))[:count]


def _add_case_keys(rel: str, folded: dict[str, str]) -> None:
    """Record ``rel`` and its folders in ``folded`` (lower-cased path -> path)."""
    parts = rel.split("/")
    for i in range(1, len(parts) + 1):
        prefix = "/".join(parts[:i])
        folded.setdefault(prefix.lower(), prefix)


def _case_collides(rel: str, folded: dict[str, str]) -> bool:
    """Whether ``rel`` or one of its folders differs only by case from a recorded path (ALF113)."""
    parts = rel.split("/")
    for i in range(1, len(parts) + 1):
        prefix = "/".join(parts[:i])
        if folded.get(prefix.lower(), prefix) != prefix:
            return True
    return False


def session_files(index: int, names: list[str], extra_real: int) -> list[tuple[str, str | None]]:
    """The files of session ``index``: the typical set plus a rotating slice of real names."""
    files = list(TYPICAL)
    if extra_real and names:
        start = (index * extra_real) % len(names)
        chosen = [names[(start + k) % len(names)] for k in range(extra_real)]
        taken = {p for p, _ in files}
        folded: dict[str, str] = {}
        for p, _ in files:
            _add_case_keys(p, folded)
        for rel in chosen:
            if rel in taken or _case_collides(rel, folded):
                continue  # a duplicate, or one path on a case-insensitive file system (ALF113)
            taken.add(rel)
            _add_case_keys(rel, folded)
            name = rel.rsplit("/", 1)[-1]
            obj = name.split(".")[0]
            files.append((rel, f"real:{rel.rpartition('/')[0]}:{obj}"))
    return files


def _real_rows(key: str) -> int:
    return 5 + (sum(key.encode()) % 30)


def object_rows(folder: str, obj: str, session: int = 0) -> int:
    """Rows of every attribute of object ``obj`` in the session-relative ``folder`` of the
    ``session``-th session.

    A function of the object's identity only, as alflint groups an object (session, folder,
    that is collection and revision, and object name; the namespace is ignored so that
    ``_ibl_trials.*`` and ``trials.*`` agree too): typical and real attributes of one object,
    its timescale variants (``times_ephysClock``) and extra parts always share one length.
    Sessions differ, as real ones do (one has 412 trials, the next 655): up to half as many
    rows again as the base length, so array headers, parquet footers and text tables are not
    the same file after file (which would flatter every per-header memo).
    """
    base = ROWS[obj] if obj in ROWS else _real_rows(f"real:{folder}:{obj}")
    return base + zlib.crc32(f"{session}:{folder}:{obj}".encode()) % (base // 2 + 1)


def _conflicting_keys(files: list[tuple[str, str | None]]) -> set[str]:
    """Files that would share a ``load_object`` key with an earlier file (ALF301, an error).

    The key is alflint's: folder, object, attribute, timescale and extra parts (namespace and
    extension ignored). Only loadable formats collide: raw data keeps its side files
    (``.cbin`` with ``.meta`` and ``.ch``), which ALF301 merely notes.
    """
    from alflint.spec import LOADABLE_EXTENSIONS

    seen: set[tuple] = set()
    drop = set()
    for rel, _ in files:
        folder, _, name = rel.rpartition("/")
        p = parse(name)
        if p is None or p.extension not in LOADABLE_EXTENSIONS:
            continue
        key = (folder, p.object, p.attribute, p.timescale, p.extra)
        if key in seen:
            drop.add(rel)
        else:
            seen.add(key)
    return drop


def session_plan(spec: list[tuple[str, str | None]], session: int = 0) -> list[tuple[str, int, int]]:
    """``(rel_path, rows, index_rows)`` for the files of a session that are written.

    ``rows`` comes from :func:`object_rows`. ``index_rows`` is non-zero for a relation as
    alflint finds one (ALF307/ALF308): an attribute, other than the object's own name, that
    names an object of the same folder (in any namespace), e.g. ``channels.probes`` next to
    ``probes.*``; its values are int64 row indices below that object's rows. ``spikes.clusters``
    always holds indices, with or without ``clusters.*`` beside it.
    """
    drop = _conflicting_keys(spec)
    kept = []
    objects = set()
    for rel, _ in spec:
        if rel in drop:
            continue
        folder, _, name = rel.rpartition("/")
        p = parse(name)
        kept.append((rel, folder, p))
        if p is not None:
            objects.add((folder, p.object))
    plan = []
    for rel, folder, p in kept:
        if p is None:
            plan.append((rel, 1, 0))
            continue
        index_rows = 0
        if p.attribute != p.object and ((folder, p.attribute) in objects or p.attribute == "clusters"):
            index_rows = object_rows(folder, p.attribute, session)
        plan.append((rel, object_rows(folder, p.object, session), index_rows))
    return plan


def generate(root: str | os.PathLike, files: int, *, seed: int = 0, extra_real: int = 10) -> dict:
    """Write a repository of exactly ``files`` files under ``root``; returns a summary."""
    root = Path(root)
    names = real_names()
    plans = []
    planned = 0
    while planned < files:  # enough sessions for the count, after dropped duplicates
        plans.append(session_plan(session_files(len(plans), names, extra_real), len(plans)))
        planned += len(plans[-1])
    sessions = session_paths(max(1, len(plans)), seed)
    written = npy = 0
    made_dirs: set[str] = set()
    started = time.perf_counter()
    for number, (session, plan) in enumerate(zip(sessions, plans)):
        for rel, rows, index_rows in plan:
            if written >= files:
                break
            path = f"{root}/{session}/{rel}"
            folder = path.rpartition("/")[0]
            if folder not in made_dirs:
                os.makedirs(folder, exist_ok=True)
                made_dirs.add(folder)
            with open(path, "wb") as fh:
                fh.write(content(rel, rows, index_rows, number))
            written += 1
            npy += rel.endswith(".npy")
    return {"root": str(root), "files": written, "npy_files": npy, "sessions": len(plans),
            "seconds": round(time.perf_counter() - started, 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", help="folder to create (must not exist or be empty)")
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--real-per-session", type=int, default=10, help="real IBL names added to each session")
    args = parser.parse_args(argv)
    if os.path.isdir(args.root) and os.listdir(args.root):
        parser.error(f"{args.root} is not empty")
    summary = generate(args.root, args.files, seed=args.seed, extra_real=args.real_per_session)
    json.dump(summary, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
