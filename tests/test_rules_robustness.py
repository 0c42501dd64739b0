"""The path and layout rules never crash: arbitrary file and folder names, real files.

A crashing rule would surface as ALF900 (report.internal_errors > 0); these trees of random
names, in and around sessions, must give none. Hypothesis shrinks any failure to one name.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import alflint

#: Characters that make names interesting for the grammar, plus any printable text.
_TRICKY = st.sampled_from(list("._-#_ aA0é\t~$!") + ["spikes", "times", "npy", "_ibl_", "#2021-01-01#", "ms", "..", "._"])
_NAME = st.lists(st.one_of(_TRICKY, st.text(min_size=1, max_size=3)), min_size=1, max_size=6).map("".join).filter(
    lambda n: "/" not in n and "\x00" not in n and n not in (".", "..") and len(n.encode("utf-8", "surrogatepass")) < 120
    and not any(0xD800 <= ord(c) <= 0xDFFF for c in n))
_FOLDERS = st.lists(_NAME, min_size=0, max_size=3)
_SESSION = st.sampled_from(["subj/2021-01-01/001", "lab/Subjects/s/2021-02-30/1", "sub j/2021-01-01/0001", "a/b", "", "x/2021-01-01"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_SESSION, _FOLDERS, _NAME, st.booleans()), min_size=1, max_size=8))
def test_random_trees_never_crash_a_rule(entries):
    root = Path(tempfile.mkdtemp(prefix="alflint-random-"))
    try:
        written = 0
        for session, folders, name, empty in entries:
            path = root.joinpath(*[p for p in session.split("/") if p], *folders, name)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                if not path.is_dir():
                    path.write_bytes(b"" if empty else b"x")
                    written += 1
            except OSError:  # a name the file system refuses (e.g. a file where a folder is wanted)
                continue
        (root / "alflint.toml").write_text("")
        report = alflint.check(root, select=["ALF1", "ALF2", "ALF3", "ALF4"], content=False)
        assert report.internal_errors == 0, [i.message for i in report.issues if i.code.startswith("ALF9")]
        assert all(i.message and i.path for i in report.issues)
    finally:
        shutil.rmtree(root, ignore_errors=True)
