"""Benchmark: .npy header reads per second, alflint.content.read_facts against numpy.

Writes N small .npy files (default 20,000) of a few dtypes and shapes to a temporary folder,
then times, over the same files (warm page cache, best of --repeat runs):

* ``read_facts(path, 'npy')``: header parsed without numpy, file size checked;
* ``np.load(path, mmap_mode='r')``: numpy's header read plus a memory map, what a loader
  that avoids reading the data costs;
* ``np.lib.format.read_magic`` + ``read_array_header_{1,2}_0`` on an open file: numpy's
  header parser alone.

Run:  python benchmarks/bench_content.py [--files 20000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

import numpy as np

from alflint.content import read_facts


def write_files(folder: str, n: int) -> list[str]:
    rng = np.random.default_rng(0)
    arrays = [
        rng.random(10),
        rng.integers(0, 100, (20, 3)).astype(np.int32),
        np.zeros((5, 2), dtype=np.float32),
        np.array(["ab", "cde"]),
        np.arange(7, dtype=np.uint8),
    ]
    paths = []
    for i in range(n):
        p = os.path.join(folder, f"obj{i}.attr.npy")
        np.save(p, arrays[i % len(arrays)])
        paths.append(p)
    return paths


def numpy_header(path: str):
    with open(path, "rb") as f:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            return np.lib.format.read_array_header_1_0(f)
        return np.lib.format.read_array_header_2_0(f)


def timed(fn, paths, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for p in paths:
            fn(p)
        best = min(best, time.perf_counter() - t0)
    return len(paths) / best


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        paths = write_files(d, args.files)
        print(f"wrote {len(paths)} files in {time.perf_counter() - t0:.1f} s")
        # sanity: both agree on every shape
        for p in paths[:50]:
            assert read_facts(p, "npy").shape == np.load(p, mmap_mode="r").shape
        results = {
            "alflint read_facts": timed(lambda p: read_facts(p, "npy"), paths, args.repeat),
            "np.load(mmap_mode='r')": timed(lambda p: np.load(p, mmap_mode="r"), paths, args.repeat),
            "numpy header parser only": timed(numpy_header, paths, args.repeat),
        }
    base = results["np.load(mmap_mode='r')"]
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, best of {args.repeat}")
    for name, rate in results.items():
        print(f"{name:28s} {rate:10,.0f} files/s  ({rate / base:4.1f}x np.load mmap)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
