"""ALF306-ALF308: rules that read values (in chunks, a few megabytes whatever the file size).

* relations: an attribute named after another object of the same collection and revision
  holds row indices into it (``spikes.clusters`` indexes ``clusters.*``);
* order: event times and interval starts should not go backwards (opt-in: it reads every
  value of every time file).

Index ranges of ``.npy`` and ``.bin`` arrays are read through a memory map, a fixed number of
elements at a time (small files in one read), so a 100-million-spike ``spikes.clusters.npy``
costs a few seconds and a few megabytes; parquet columns and time order are read by
:mod:`alflint.content.values` (footer statistics, row groups, chunks).
"""

from __future__ import annotations

from alflint.rule import rule

from .lengths import facts_of, object_rows, role

#: Formats whose values can be read in chunks (parquet: one column, per row group).
VALUE_FORMATS = ("npy", "bin", "pqt")

_LAST: list = [None, None]  # (session, relations): ALF307 and ALF308 run one after the other


def _relations(session, ctx) -> list:
    """``(dataset, facts, target_name, target_datasets)`` for the relation attributes of a session."""
    if _LAST[0] is not session:
        _LAST[:] = [session, list(_find_relations(session, ctx))]
    return _LAST[1]


def _find_relations(session, ctx):
    by_name: dict[tuple, dict[str | None, list]] = {}
    for obj in session.objects:  # valid ALF files in valid folders, grouped by collect
        by_name.setdefault((obj.collection, obj.revision, obj.name), {})[obj.namespace] = obj.datasets
    names = {obj.name for obj in session.objects}  # most attributes name no object: one set lookup
    for obj in session.objects:
        for d in obj.datasets:
            p = d.parts
            if p.attribute not in names or p.attribute == p.object or p.extension not in VALUE_FORMATS:
                continue
            targets = by_name.get((obj.collection, obj.revision, p.attribute))
            if not targets:
                continue
            if p.namespace in targets:
                group = targets[p.namespace]
            elif None in targets:
                group = targets[None]
            elif len(targets) == 1:
                group = next(iter(targets.values()))
            else:
                continue  # several namespaced objects of that name: which one is meant is unclear
            facts = facts_of(d, ctx)
            if facts is None or facts.object_dtype or not facts.rows:
                continue
            if facts.format == "pqt" and len(facts.columns or ()) != 1:
                continue
            yield d, facts, p.attribute, group


def _target_label(group) -> str:
    p = group[0].parts
    ns = f"_{p.namespace}_" if p.namespace else ""
    return f"{ns}{p.object}.*"


@rule("ALF307", "relation-out-of-range", "error", "session", content=True)
def relation_out_of_range(session, ctx):
    """An attribute named after another object holds values that are not row indices of it.

    **What it checks:** when a dataset's attribute equals the name of another object in the
    same collection and revision (``spikes.clusters.npy`` next to ``clusters.*``), its values
    are 0-based row indices into that object: each must lie in ``[0, rows)``, where ``rows`` is
    the object's common length (see ALF302; objects with inconsistent lengths are skipped).
    The namespace of the target may differ (``_phy_spikes_subset.spikes`` indexes
    ``spikes.*``); the same namespace is preferred when both exist. Values are read from
    ``.npy`` and ``.bin`` in chunks, and from single-column ``.pqt`` (footer statistics when
    present). The message gives the minimum and maximum found.

    **Why it matters:** the ALF specification defines this relation by name; ``clusters.depths
    [spikes.clusters]`` is how spikes get their depths. An index past the end raises
    ``IndexError``; a negative one silently picks a row from the end.

    **Bad:** ``spikes.clusters.npy`` holding ``0..130`` while ``clusters.*`` have 120 rows.

    **Good:** ``spikes.clusters.npy`` holding ``0..119`` with 120 rows of ``clusters.*``.
    Beware plurals: ``clusters.probe`` does not refer to ``probes.*``.
    """
    from alflint.content import ContentError, int_range

    for d, facts, name, group in _relations(session, ctx):
        if facts.kind not in ("i", "u") and facts.format != "pqt":
            continue  # ALF308 reports the dtype
        rows = object_rows(group, ctx)
        if rows is None:
            continue
        try:  # small arrays without numpy, large ones in chunks (alflint.content.int_range)
            found = int_range(d.abs_path, facts=None if facts.format == "pqt" else facts)
            if not found.is_integer_dtype or found.minimum is None:
                continue
            lo, hi = found.minimum, found.maximum
        except (ContentError, OSError, ValueError, TypeError):
            continue
        if lo < 0 or hi >= rows:
            side = []
            if lo < 0:
                side.append(f"negative values (min {lo})")
            if hi >= rows:
                side.append(f"values up to {hi}")
            yield ctx.finding(
                d.rel,
                f"{d.parts.attribute} indexes rows of {_target_label(group)} ({rows} row{'s' * (rows != 1)}, "
                f"valid 0..{rows - 1}) but holds {lo}..{hi}: {' and '.join(side)} out of range",
            )


@rule("ALF308", "relation-not-integer", "error", "session", content=True)
def relation_not_integer(session, ctx):
    """An attribute named after another object does not hold integers.

    **What it checks:** the dtype of relation attributes (see ALF307): signed or unsigned
    integers. Floating point, boolean and text arrays are errors.

    **Why it matters:** row indices are integers; numpy refuses float arrays as indices, and a
    boolean array is taken as a mask, silently meaning something else.

    **Bad:** ``spikes.clusters.npy`` of ``float64`` (``[0., 3., 3., 1.]``).

    **Good:** ``spikes.clusters.npy`` of ``uint32`` or ``int64``.
    """
    from alflint.content.parquet import arrow_kind

    for d, facts, name, group in _relations(session, ctx):
        kind = facts.kind
        if facts.format == "pqt":
            kind = arrow_kind((facts.column_types or ("",))[0])
        if kind not in ("i", "u"):
            dtype = facts.dtype or (facts.column_types or ("?",))[0]
            yield ctx.finding(d.rel, f"{d.parts.attribute} indexes rows of {_target_label(group)}: "
                                     f"it must hold integers, not {dtype}")


@rule("ALF306", "times-decreasing", "warning", "path", enabled=False, content=True)
def times_decreasing(dataset, ctx):
    """Event times or interval starts go backwards somewhere (opt-in: reads values).

    **What it checks:** ``times`` and ``<event>_times`` vectors, the start column of
    ``intervals``/``<event>_intervals``, ``timestamps`` vectors and the time column of
    ``(k, 2)`` timestamps sync points must never decrease (equal neighbours are fine; NaN is
    skipped). ``.npy`` and ``.bin`` files are read in chunks; tables are not checked. The
    message gives the first row where the values go down. Select it with ``ALF306`` or
    ``times-decreasing``: it reads every value of every time file.

    **Why it matters:** events are listed in time order, and code that searches them
    (``np.searchsorted``) or bins them silently returns wrong answers when they are not: a
    decrease usually means concatenated recordings, a clock reset or a sorting bug.

    **Bad:** ``spikes.times.npy`` ``[0.1, 0.5, 0.3, 0.9]``.

    **Good:** ``spikes.times.npy`` ``[0.1, 0.3, 0.5, 0.9]``.
    """
    p = dataset.parts
    if p is None or dataset.session is None or p.extension not in ("npy", "bin"):
        return
    r = role(p.attribute)
    if r is None:
        return
    facts = facts_of(dataset, ctx)
    if facts is None or facts.object_dtype or facts.kind not in ("i", "u", "f") or not facts.rows:
        return
    shape = facts.shape or ()
    column = 0
    if r == "timestamps" and len(shape) == 2 and shape[1] == 2:
        column = 1
    elif len(shape) > 2 or (r != "intervals" and len(shape) == 2 and shape[1] != 1 and r != "timestamps"):
        return
    from alflint.content import ContentError, check_order

    try:
        order = check_order(dataset.abs_path, column)
    except ContentError:
        return
    if order.first_decrease is not None:
        what = {"intervals": "interval starts", "timestamps": "timestamps"}.get(r, p.attribute)
        yield f"{what} decrease at row {order.first_decrease} (of {order.length})"
