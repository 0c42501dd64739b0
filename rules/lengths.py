"""ALF302-ALF305: an object is a table; reserved attributes have reserved shapes and types.

All of these read headers and footers only (through ``ctx.facts``), never values. Attribute
names with a reserved meaning (ALF specification):

* ``times`` and ``<event>_times``: event times in seconds, numbers;
* ``intervals`` and ``<event>_intervals``: (start, end) pairs in seconds, two columns;
* ``timestamps``: a vector of times, or ``(k, 2)`` synchronisation points ``(sample, time)``;
  the one attribute exempt from the equal-rows rule when it is a ``(k, 2)`` array.
"""

from __future__ import annotations

from collections import Counter

from alflint.rule import rule

from .content import INSPECTED

# Attribute endings worth a closer look (a cheap first test: these rules see every file).
_INTERVALS_OR_TABLE = ("intervals", "table")
_TIME_OR_TABLE = ("times", "intervals", "timestamps", "table")

#: Numpy kinds that count as numbers for times (booleans, complex, dates and text do not).
TIME_KINDS = frozenset("iuf")


def role(attribute: str | None) -> str | None:
    """``'times'``, ``'intervals'``, ``'timestamps'`` or ``None`` for an attribute name."""
    if not attribute:
        return None
    if attribute == "times" or attribute.endswith("_times"):
        return "times"
    if attribute == "intervals" or attribute.endswith("_intervals"):
        return "intervals"
    if attribute == "timestamps":
        return "timestamps"
    return None


def column_role(column: str) -> str | None:
    """The role of a table column: ``x_times`` is times, ``intervals_0``/``_1`` an interval bound."""
    if column.endswith(("_0", "_1")) and role(column[:-2]) == "intervals":
        return "interval-bound"
    return role(column)


def is_metadata_file(dataset) -> bool:
    """A ``*.metadata*.json`` side file (ONE's glob), which describes a dataset and is not one."""
    p = dataset.parts
    return p is not None and p.extension == "json" and bool(p.extra) and any(
        x.startswith("metadata") for x in p.extra.split("."))


def facts_of(dataset, ctx):
    """Facts of an inspected, readable, non-empty dataset, else None."""
    p = dataset.parts
    if p is None or p.extension not in INSPECTED or dataset.size == 0:
        return None
    found = dataset.facts or ctx.facts(dataset)  # cached by alflint.facts
    return found.facts if found.error is None else None


def is_sync_points(shape) -> bool:
    """A ``(k, 2)`` timestamps array: synchronisation points, exempt from the rows rule."""
    return shape is not None and len(shape) == 2 and shape[1] == 2


def _is_timestamps(parts) -> bool:
    """``timestamps`` is the attribute, the timescale or one of the extra parts of the name."""
    return (parts.attribute == "timestamps" or parts.timescale == "timestamps"
            or (bool(parts.extra) and "timestamps" in parts.extra.split(".")))


def rows_for_length(dataset, facts) -> int | None:
    """The first dimension that must agree across an object, or None (not part of the check)."""
    if facts is None or facts.rows is None or facts.format == "json" or is_metadata_file(dataset):
        return None
    if facts.shape is not None and len(facts.shape) >= 2 and facts.shape[1:] != (1,) and _is_timestamps(dataset.parts):
        return None  # sync points (k, 2) are exempt; other shapes of `timestamps` are ALF305's
    return facts.rows


def object_rows(datasets, ctx) -> int | None:
    """The number of rows of an object whose attributes agree (length-1 ones broadcast), or None."""
    lengths = set()
    for d in datasets:
        n = rows_for_length(d, facts_of(d, ctx))
        if n is not None:
            lengths.add(n)
    if not lengths:
        return None
    long = lengths - {1}
    if len(long) > 1:
        return None
    return long.pop() if long else 1


def _label(dataset, facts, with_extension: bool) -> str:
    label = dataset.key
    if with_extension:
        label += f" ({dataset.parts.extension})"
    if dataset.parts.attribute == "table" and facts.columns:
        cols = ", ".join(facts.columns[:6]) + (", ..." if len(facts.columns) > 6 else "")
        label += f" [table columns: {cols}]"
    return label


def _describe(lengths: dict[str, int]) -> str:
    by_rows: dict[int, list[str]] = {}
    for label, n in lengths.items():
        by_rows.setdefault(n, []).append(label)
    order = sorted(by_rows, key=lambda n: (-len(by_rows[n]), n))
    return "; ".join(f"{n} row{'s' * (n != 1)}: {', '.join(sorted(by_rows[n]))}" for n in order)


def _inconsistent(lengths: dict[str, int]) -> bool:
    return len(set(lengths.values()) - {1}) > 1


@rule("ALF302", "attribute-length-mismatch", "error", "object", content=True)
def attribute_length_mismatch(obj, ctx):
    """The attributes of an object do not share the same number of rows.

    **What it checks:** an object (same session, collection, revision, namespace and object
    name) is a table whose attributes are its columns: every attribute must have the same
    first dimension, or length 1 (broadcast). Each file is one attribute keyed as ONE's
    ``load_object`` keys it (``attribute``, ``_timescale``, ``.extra``), so
    ``spikes.times_ephysClock.npy`` is an attribute of its own, and
    ``_spikeglx_ephysData_g0_t0.imec0.timestamps.npy`` and ``..._g0_t0.imec0.sync.npy`` are
    two attributes (keys ``imec0.timestamps`` and ``imec0.sync``). Rows come from headers and footers:
    ``.npy`` shape, parquet row count, data rows of ``.csv``/``.tsv``/``.ssv``, lines of
    ``.jsonable``, ``.bin`` size over row size. JSON documents, metadata side files, empty and
    unreadable files and formats alflint does not inspect (video, ``.cbin``) are left out.

    * ``timestamps`` is the exception the specification defines: a vector (or ``(n, 1)``) of
      times joins the check; a ``(k, 2)`` array of (sample, time) synchronisation points is
      exempt.
    * A ``table`` attribute (``trials.table.pqt``) counts as one column per table column: its
      rows must agree with the other attributes of the object.
    * When every attribute of the object is split into the same extra parts
      (``_spikeglx_sync.times.probe00.npy``, ``_spikeglx_sync.channels.probe00.npy`` and the
      same for ``probe01``), the parts are separate recordings: the check is made part by
      part. Otherwise each file counts on its own, as ONE keys it.
    * A ``(k, 2)`` array whose attribute, timescale or an extra part is ``timestamps``
      (``_spikeglx_ephysData_g0_t0.imec0.timestamps.npy``) holds sync points and is exempt.

    The message lists each length with the attributes that have it.

    **Why it matters:** the ALF specification makes an object a table: row ``i`` of every
    attribute describes the same spike, trial or frame. A length mismatch means a truncated
    export, a file from another run, or attributes misaligned by an off-by-one, and every
    analysis indexing one attribute by another silently pairs the wrong rows.

    **Where ONE differs:** ONE's ``load_object`` only logs a warning and never raises. Its
    check (``check_dimensions``) exempts every key starting with ``timestamps`` but then accepts
    only a ``(2, 2)`` sync array, so a ``(k, 2)`` timestamps with ``k != 2`` makes it report the
    object inconsistent; it calls ``{0, 1}`` inconsistent (alflint lets the length-1 attribute
    broadcast); it crashes with ``IndexError`` on a 0-d array (see ALF504); it compares files split
    into parts (``.probe00``, ``.probe01``) with each other; it does not count ``.jsonable`` lines or
    ``.bin`` rows (it does not load them as arrays).

    **Bad:** ``spikes.times.npy`` of shape ``(1000,)`` with ``spikes.clusters.npy`` of shape
    ``(999,)``.

    **Good:** ``spikes.times.npy`` ``(1000,)``, ``spikes.clusters.npy`` ``(1000,)``,
    ``spikes.amps.npy`` ``(1000,)``, ``spikes.templates.npy`` ``(1000,)``.
    """
    measured = []
    long = set()
    for d in obj.datasets:
        facts = facts_of(d, ctx)
        n = rows_for_length(d, facts)
        if n is not None:
            measured.append((d, facts, n))
            if n != 1:
                long.add(n)
    if len(long) < 2:
        return  # the common case: one length (and broadcast 1s), whatever the grouping
    variants: dict[tuple[str, str], list[tuple[str, int, object, object]]] = {}
    for d, facts, n in measured:
        p = d.parts
        attr = p.attribute + (f"_{p.timescale}" if p.timescale else "")
        variants.setdefault((attr, p.extension), []).append((p.extra or "", n, d, facts))
    if sum(len(v) for v in variants.values()) < 2:
        return
    ext_count = Counter(attr for attr, _ in variants)
    extra_sets = {frozenset(e for e, _, _, _ in v) for v in variants.values()}
    aligned = len(variants) > 1 and len(extra_sets) == 1 and len(next(iter(extra_sets))) > 1
    if aligned:  # every attribute split into the same parts: compare part by part
        for extra in sorted(next(iter(extra_sets))):
            lengths = {_label(d, f, ext_count[attr] > 1): n
                       for (attr, _), v in variants.items() for e, n, d, f in v if e == extra}
            if _inconsistent(lengths):
                yield f"attributes of {obj.name!r} with extra part {extra!r} differ in length: {_describe(lengths)}"
        return
    lengths = {_label(d, f, ext_count[attr] > 1): n for (attr, _), v in variants.items() for _, n, d, f in v}
    if _inconsistent(lengths):
        yield f"attributes of {obj.name!r} differ in length: {_describe(lengths)}"


@rule("ALF303", "intervals-not-two-columns", "error", "path", content=True,
      applies=lambda name, p, in_session: in_session and p is not None and p.attribute.endswith(_INTERVALS_OR_TABLE))
def intervals_not_two_columns(dataset, ctx):
    """An ``intervals`` attribute does not have exactly two columns (start, end).

    **What it checks:** datasets whose attribute is ``intervals`` or ends in ``_intervals``
    must be 2-D with two columns: ``.npy`` shape ``(n, 2)``, a two-column table or ``.bin``.
    In a ``table`` attribute, a column ``intervals`` (or ``x_intervals``) must be stored as the
    pair ``intervals_0``/``intervals_1``, which ONE joins into an ``(n, 2)`` array.

    **Why it matters:** the ALF specification reserves ``intervals`` for (start, end) pairs in
    seconds; code reads ``intervals[:, 0]`` and ``intervals[:, 1]``. A vector of starts, or
    pairs stored as ``(2, n)``, fails there or silently pairs the wrong numbers.

    **Bad:** ``trials.intervals.npy`` of shape ``(400,)`` or ``(2, 400)``;
    ``trials.table.pqt`` with one column ``intervals``.

    **Good:** ``trials.intervals.npy`` of shape ``(400, 2)`` (``np.zeros((0, 2))`` when empty);
    table columns ``intervals_0`` and ``intervals_1``.
    """
    p = dataset.parts
    if p is None or not p.attribute.endswith(_INTERVALS_OR_TABLE) or dataset.session is None:
        return
    if role(p.attribute) == "intervals":
        facts = facts_of(dataset, ctx)
        if facts is None or facts.shape is None or facts.object_dtype:
            return
        shape = facts.shape
        if len(shape) != 2 or shape[1] != 2:
            hint = " (transpose it: rows are intervals)" if len(shape) == 2 and shape[0] == 2 else ""
            yield f"{p.attribute} must have two columns (start, end): shape is {shape}{hint}"
    elif p.attribute == "table":
        facts = facts_of(dataset, ctx)
        if facts is None or not facts.columns:
            return
        columns = set(facts.columns)
        for c in facts.columns:
            if role(c) == "intervals" and not {c + "_0", c + "_1"} <= columns:
                yield f"table column {c!r} is one column: intervals need two ({c}_0 and {c}_1)"
            elif column_role(c) == "interval-bound" and c[:-1] + ("1" if c.endswith("0") else "0") not in columns:
                yield f"table column {c!r} has no partner {c[:-1] + ('1' if c.endswith('0') else '0')!r}: intervals need both bounds"


@rule("ALF304", "non-numeric-times", "error", "path", content=True,
      applies=lambda name, p, in_session: in_session and p is not None and p.attribute.endswith(_TIME_OR_TABLE))
def non_numeric_times(dataset, ctx):
    """Times, timestamps or intervals are not stored as numbers.

    **What it checks:** the dtype of ``times``, ``<event>_times``, ``timestamps``,
    ``intervals`` and ``<event>_intervals`` attributes (``.npy``, ``.bin``, ``.pqt``) and of
    such columns in a parquet ``table``: integers or floating point numbers. Booleans, text,
    complex numbers and dates are errors. Pickled object arrays (ALF502) and text tables,
    whose types are not recorded, are not judged.

    **Why it matters:** the ALF specification defines these as seconds on a (universal or
    named) timescale; everything that aligns events, bins spikes or interpolates timestamps
    does arithmetic on them. Dates or strings fail there, far from the file.

    **Bad:** ``trials.goCue_times.npy`` of dtype ``<U32``; ``camera.times.npy`` of
    ``datetime64[ns]``.

    **Good:** ``trials.goCue_times.npy`` of ``float64`` seconds (NaN where missing).
    """
    p = dataset.parts
    if p is None or not p.attribute.endswith(_TIME_OR_TABLE) or dataset.session is None:
        return
    r = role(p.attribute)
    if r is not None:
        facts = facts_of(dataset, ctx)
        if facts is None or facts.object_dtype or facts.format not in ("npy", "bin", "pqt"):
            return
        if facts.kind is not None:
            if facts.kind not in TIME_KINDS:
                yield f"{p.attribute} must be numbers (seconds): dtype is {facts.dtype}"
            return
        kinds = _column_kinds(facts)
        bad = [f"{c} ({t})" for c, t, k in kinds if k not in TIME_KINDS]
        if bad:
            yield f"{p.attribute} must be numbers (seconds): column{'s' * (len(bad) != 1)} {', '.join(bad)}"
    elif p.attribute == "table" and p.extension == "pqt":
        facts = facts_of(dataset, ctx)
        if facts is None or not facts.columns:
            return
        bad = [f"{c} ({t})" for c, t, k in _column_kinds(facts)
               if column_role(c) is not None and k not in TIME_KINDS]
        if bad:
            yield f"time column{'s' * (len(bad) != 1)} must be numbers (seconds): {', '.join(bad)}"


def _column_kinds(facts):
    from alflint.content.parquet import arrow_kind

    types = facts.column_types or ()
    return [(c, t, arrow_kind(t)) for c, t in zip(facts.columns or (), types)]


@rule("ALF305", "timestamps-shape", "error", "path", content=True,
      applies=lambda name, p, in_session: in_session and p is not None and p.attribute == "timestamps")
def timestamps_shape(dataset, ctx):
    """A ``timestamps`` attribute is neither a vector nor ``(k, 2)`` synchronisation points.

    **What it checks:** ``timestamps`` datasets must be 1-D (or ``(n, 1)``), one time per
    sample, or 2-D with two columns, ``(sample index, time)`` pairs to interpolate linearly.

    **Why it matters:** these are the two forms the ALF specification defines and the two ONE
    knows how to turn into one time per sample (``ts2vec``); any other shape cannot be
    interpreted.

    **Where ONE differs:** ONE only accepts a ``(2, 2)`` array of sync points when it checks
    an object's dimensions; alflint follows the specification (any ``(k, 2)``).

    **Bad:** ``wheel.timestamps.npy`` of shape ``(1000, 3)``.

    **Good:** ``wheel.timestamps.npy`` of shape ``(1000,)``, or ``(2, 2)``
    ``[[0, 10.0], [999, 19.99]]``.
    """
    p = dataset.parts
    if p is None or dataset.session is None or p.attribute != "timestamps":
        return
    facts = facts_of(dataset, ctx)
    if facts is None or facts.shape is None or facts.format not in ("npy", "bin", "pqt"):
        return
    shape = facts.shape
    if len(shape) > 2 or (len(shape) == 2 and shape[1] not in (1, 2)):
        yield f"timestamps must be a vector or (k, 2) (sample, time) pairs: shape is {shape}"
