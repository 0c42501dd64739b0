"""ALF5xx: file contents, read from headers and footers (one file at a time).

Every rule here reads through ``ctx.facts(dataset)``, so a file is opened once per run whatever
the number of rules; formats alflint does not inspect (video, ``.cbin``, ``.ch``, ``.meta``,
``.txt``, ...) are skipped, never guessed. Only ALF datasets inside sessions are looked at:
other files have name rules of their own, and empty files have ALF109.
"""

from __future__ import annotations

import os

from alflint.rule import rule

#: Extensions :func:`alflint.content.read_facts` inspects (ONE's loader dispatch, case-sensitive).
INSPECTED = frozenset({"npy", "json", "jsonable", "pqt", "bin", "csv", "tsv", "htsv", "ssv"})


def dataset_with(extensions):
    """An ``applies=`` test: a valid ALF name in a session with one of these extensions."""
    wanted = frozenset(extensions)

    def applies(name, parts, in_session):
        return in_session and parts is not None and parts.extension in wanted

    return applies


def _facts(dataset, ctx, extension: str):
    """The facts of an ALF dataset in a session with that extension, or None (other files,
    unreadable content). Rules run on every file: the cheap tests come first."""
    p = dataset.parts
    if p is None or p.extension != extension or dataset.session is None:
        return None
    return (dataset.facts or ctx.facts(dataset)).facts  # cached: skip two calls


@rule("ALF501", "malformed-content", "error", "path", content=True, applies=dataset_with(INSPECTED))
def malformed_content(dataset, ctx):
    """A dataset file is unreadable, truncated or malformed for its format.

    **What it checks:** the header or footer of every dataset whose format alflint knows,
    without loading the values:

    * ``.npy``: the magic string, the version and the header dict; the file size must equal
      the header plus ``shape x itemsize`` (a truncated or padded file is an error);
    * ``.json`` must parse; ``.jsonable``: every line must parse (a blank line does not);
    * ``.pqt``: a readable parquet footer and schema;
    * ``.csv``, ``.tsv``/``.htsv``, ``.ssv``: a header row, then the same number of columns
      (comma, tab, space separated) on every row;
    * ``.bin``: its ``<object.attribute>*.metadata*.json`` must follow alflint's metadata
      JSON Schema (``dtype`` and ``columns``) and the file size must be a whole number of
      rows of ``len(columns)`` values of ``dtype``.

    Other formats (video, ``.cbin``, ``.ch``, ``.meta``, ...) are not inspected.

    **Why it matters:** ONE loads such files with numpy, pyarrow or pandas, which raise in the
    middle of an analysis (or, for ``.json``, log an error and return ``None``). A file cut
    short by a failed copy is otherwise only found when someone loads it.

    **Bad:** ``spikes.times.npy`` whose header says ``(1000,)`` float64 but which holds 4000
    bytes of data; ``trials.table.pqt`` that is a CSV file renamed.

    **Good:** files written whole by ``np.save``, ``DataFrame.to_parquet``, ``json.dump``.
    """
    p = dataset.parts
    if p is None or p.extension not in INSPECTED or dataset.session is None:
        return
    found = ctx.facts(dataset)
    if found.error is not None:
        yield f"{found.error}"


@rule("ALF502", "pickled-array", "warning", "path", content=True, applies=dataset_with(["npy"]))
def pickled_array(dataset, ctx):
    """An ``.npy`` array of object dtype: loading it needs pickle.

    **What it checks:** the dtype of ``.npy`` headers: ``|O``, or a structured dtype holding
    Python objects.

    **Why it matters:** numpy refuses such files unless ``allow_pickle=True`` (ONE passes it,
    most other readers do not), unpickling runs code from the file, and the payload depends on
    the Python and numpy versions that wrote it. Its size cannot be checked either.

    **Bad:** ``clusters.labels.npy`` saved from a list of Python strings of mixed types.

    **Good:** a fixed-width string dtype (``np.array(labels, dtype=str)`` gives ``<U..``), or a
    ``.tsv``/``.pqt`` table for text.
    """
    facts = _facts(dataset, ctx, "npy")
    if facts is not None and facts.object_dtype:
        yield f"object dtype ({facts.dtype}): loading needs pickle (np.load(allow_pickle=True))"


@rule("ALF503", "bin-without-metadata", "warning", "path", content=True, applies=dataset_with(["bin"]))
def bin_without_metadata(dataset, ctx):
    """A flat binary ``.bin`` dataset has no metadata file giving its dtype and columns.

    **What it checks:** that a ``<object.attribute>*.metadata*.json`` file sits next to every
    ``.bin`` dataset (the glob ONE uses, e.g. ``imaging.frames.metadata.json`` for
    ``imaging.frames.bin``). SpikeGLX raw files described by a ``.meta`` file of the same stem
    (``*.ap.bin`` with ``*.ap.meta``) are not reported.

    **Why it matters:** the ALF specification requires the metadata for flat binary files:
    without ``dtype`` and ``columns`` the bytes cannot be interpreted, their rows cannot be
    counted and nothing checks that the file is whole.

    **Bad:** ``_iblrig_leftCamera.GPIO.bin`` alone.

    **Good:** ``_iblrig_leftCamera.GPIO.bin`` with ``_iblrig_leftCamera.GPIO.metadata.json``
    holding ``{"dtype": "<i4", "columns": ["pin1", "pin2", "pin3", "pin4"]}``.
    """
    facts = _facts(dataset, ctx, "bin")
    if facts is not None and facts.missing_metadata:
        stem = dataset.abs_path[: -len(".bin")]
        if os.path.exists(stem + ".meta"):
            return
        head = ".".join(dataset.name.split(".")[:2])
        yield f"no metadata file ({head}*.metadata*.json) gives the dtype and columns of this flat binary file"


@rule("ALF504", "zero-dimensional-array", "warning", "path", content=True, applies=dataset_with(["npy"]))
def zero_dimensional_array(dataset, ctx):
    """An ``.npy`` dataset holds a 0-d array (a scalar) rather than an array with rows.

    **What it checks:** ``.npy`` headers whose shape is ``()``.

    **Why it matters:** an attribute is a column of its object's table; a scalar has no rows.
    ONE's ``load_object`` crashes on it with ``IndexError`` when it checks the object's
    dimensions (alflint counts it as one row, which broadcasts; see ALF302).

    **Bad:** ``np.save('probe.depth.npy', np.float64(3.2))``.

    **Good:** ``np.save('probe.depth.npy', np.array([3.2]))`` (one row).
    """
    facts = _facts(dataset, ctx, "npy")
    if facts is not None and facts.format == "npy" and facts.shape == ():
        yield "a 0-d array (shape ()): ONE's load_object fails on it (IndexError); save it with shape (1,)"
