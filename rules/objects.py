"""ALF3xx: rules about objects, the files ONE's ``load_object`` loads together."""

from __future__ import annotations

from alflint import spec
from alflint.rule import Finding, rule


@rule("ALF301", "duplicate-object-key", "error", "session")
def duplicate_object_key(session, ctx):
    """Two files would be loaded into the same key of one object.

    **What it checks:** within one session, collection and revision, files of one object
    whose attribute, timescale and extra parts are equal, so that only the extension or the
    namespace differs: ``spikes.times.npy`` and ``spikes.times.csv``, or
    ``_ibl_trials.goCue_times.npy`` and ``trials.goCue_times.npy``. It is an error when at
    least two of the files are formats ONE loads into data (``npy``, ``npz``, ``json``,
    ``jsonable``, ``pqt``, ``csv``, ``tsv``, ``ssv``, ``htsv``, ``yaml``, ``yml``,
    ``sparse_npz``), and information otherwise: raw data with side files of the same name
    (``_spikeglx_ephysData_g0_t0.imec0.lf.cbin`` with its ``.lf.meta`` and ``.lf.ch``) is
    conventional. Metadata side files (``spikes.times.metadata.json``) have their own key.

    **Why it matters:** ``load_object`` keys files by attribute, timescale and extra parts,
    never by namespace or extension. Two files with one key make it stop with an
    ``AssertionError`` ("multiple object ... with the same attribute"), so the whole object
    cannot be loaded; and two loadable copies of one attribute leave readers to guess which
    one is right. ``load_dataset`` still loads each file on its own.

    **Bad:** ``alf/spikes.times.npy`` and ``alf/spikes.times.csv``

    **Good:** ``alf/spikes.times.npy`` only (or the csv in another collection or revision)
    """
    first: dict[tuple, object] = {}
    shared: dict[tuple, list] = {}
    for dataset in session.datasets:
        parts = dataset.parts
        if parts is not None and not dataset.folder_reasons:
            # folder, then object, attribute, timescale, extra: all but namespace and extension
            key = (dataset.collection, dataset.revision, *parts[7:11])
            seen = first.setdefault(key, dataset)
            if seen is not dataset:
                shared.setdefault(key, [seen]).append(dataset)
    for files in shared.values():
        obj, key = files[0].parts.object, files[0].key
        names = _and([repr(f.name) for f in files])
        loadable = sum(f.parts.extension in spec.LOADABLE_EXTENSIONS for f in files)
        if loadable >= 2:
            yield Finding(files[0].rel, f"{names} load into the same key {key!r} of object {obj!r} (keys ignore namespace "
                                        f"and extension): load_object stops with 'multiple object {obj} with the same "
                                        "attribute'; keep one file per key (one format, one namespace)")
        else:
            yield Finding(files[0].rel, f"{names} share key {key!r} of object {obj!r}: load_object cannot load them "
                                        "together (load_dataset loads each); usual for raw data and its side files",
                          "info")


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
