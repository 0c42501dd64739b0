"""ALF1xx: rules about file names (one file at a time)."""

from __future__ import annotations

from alflint import spec
from alflint.rule import rule


@rule("ALF101", "invalid-filename", "error", "path")
def invalid_filename(dataset, ctx):
    """A file in a session named like a dataset (two or more dots) is not a valid ALF name.

    **What it checks:** every file inside a session whose name has at least two dots, so it
    means to be ``object.attribute.extension``, must follow the ALF filename grammar
    ``(_namespace_)object.attribute(_timescale)(.extra).extension``. The message gives the
    precise reason: an empty part, an illegal character, whitespace, a non-ASCII character,
    a trailing newline.

    **Why it matters:** ONE indexes such files with an empty path (its cache then fails to
    load) and none of its list or load calls can find them.

    **Bad:** ``spike-times.raw.npy``, ``spikes.times .npy``, ``spikes..npy``

    **Good:** ``spikes.times.npy``, ``spikes.times.raw.npy``
    """
    if dataset.session is None or dataset.parts is not None or dataset.name.count(".") < 2:
        return
    name = dataset.name
    if name.startswith("._") or name in _JUNK or name.startswith("_") and spec.filename_reasons(name)[0].part == "namespace":
        return  # OS junk and misparsed namespaces have rules of their own
    for reason in spec.filename_reasons(name):
        yield f"not an ALF filename: {reason}"


_JUNK = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
