"""ALF6xx: dataset-type packs and required datasets (configuration-driven).

The pack rules run only when ``packs`` is configured (``packs = ["ibl", "./lab-pack.json"]``;
names are built-in packs or packs plugins ship through the ``alflint_packs`` hook, paths are
relative to the configuration file); the required-datasets
rule only when ``required-datasets`` is. Packs are loaded once per run and process, and the
answer for each file name is memoised (see :mod:`alflint.datasettypes`).
"""

from __future__ import annotations

import fnmatch
import os

from alflint.rule import rule

_CACHE: dict[tuple, tuple[list, list[str]]] = {}


def packs_of(config) -> tuple[list, list[str]]:
    """The loaded packs of a configuration and the problems loading them (memoised)."""
    from alflint.datasettypes import PackError, builtin_packs, load_pack, resolve_pack

    key = (tuple(config.packs), config.directory, tuple(config.plugins))
    found = _CACHE.get(key)
    if found is None:
        packs, problems = [], []
        extra = None
        for spec in config.packs:
            try:
                if extra is None and not _is_path(spec) and spec not in builtin_packs():
                    extra, errors = plugin_packs(config)
                    problems += errors
                packs.append(load_pack(resolve_pack(spec, config.directory, extra)))
            except PackError as exc:
                problems.append(str(exc))
        found = _CACHE[key] = (packs, problems)
    return found


def _is_path(spec: str) -> bool:
    return "/" in spec or spec.endswith(".json")


def plugin_packs(config) -> tuple[dict[str, str], list[str]]:
    """Packs that plugins ship through the ``alflint_packs`` hook, ``{name: path}``, and problems.

    Asked only when a configured pack name is neither built in nor a path, so runs without
    plugin packs never load the plugins a second time.
    """
    from alflint.plugin.host import load_plugins

    plugins = load_plugins(config.plugins, config.directory)
    found: dict[str, str] = {}
    problems = []
    for impl in plugins.manager.hook.alflint_packs.get_hookimpls():
        name = plugins.manager.get_name(impl.plugin) or "?"
        try:
            contributed = impl.function() or {}
            for pack_name, path in dict(contributed).items():
                found.setdefault(str(pack_name), os.fspath(path))
        except Exception as exc:  # a broken plugin must not hide the other packs
            problems.append(f"plugin {name!r} failed to list its packs: {type(exc).__name__}: {exc}")
    return found, problems


def _matches(dataset, ctx) -> tuple[str, ...] | None:
    """Dataset types (over all configured packs) a session file matches, or None (not checked)."""
    config = ctx.config
    if not config.packs or dataset.session is None or dataset.parts is None:
        return None
    packs, _ = packs_of(config)
    if not packs:
        return None
    p = dataset.parts
    oa = f"{p.object}.{p.attribute}"
    if len(packs) == 1:
        return packs[0].match(dataset.name, oa)
    return tuple(sorted({name for pack in packs for name in pack.match(dataset.name, oa)}))


@rule("ALF601", "unknown-dataset-type", "error", "path", per_name=True)
def unknown_dataset_type(dataset, ctx):
    """A dataset matches none of the dataset types of the configured packs.

    **What it checks:** with ``packs`` configured (for instance ``packs = ["ibl"]``), every
    ALF dataset in a session must match a dataset type, as an Alyx database decides when it
    registers a file: a type with a filename pattern matches when the lower-cased file name
    matches the lower-cased pattern (``*``, ``?``, ``[...]`` wildcards; ``*`` crosses dots); a
    type without a pattern matches when the file's ``object.attribute`` (no namespace, no
    timescale) equals the type's name. Does nothing without ``packs``.

    **Why it matters:** Alyx refuses to register a file that matches no dataset type, so the
    data cannot be shared through the database until a type is created or the file renamed.

    **Bad:** with the IBL pack, ``alf/spikes.timing.npy`` (no type ``spikes.timing``).

    **Good:** ``alf/spikes.times.npy`` (type ``spikes.times``, pattern ``*spikes.times*``).
    Labs add their own types in a pack file: ``packs = ["ibl", "./lab-pack.json"]``.
    """
    if not ctx.config.packs:
        return
    found = _matches(dataset, ctx)
    if found is not None and not found:
        names = ", ".join(p.name for p in packs_of(ctx.config)[0])
        yield f"{dataset.name} matches no dataset type of pack{'s' * (',' in names)} {names}"


@rule("ALF602", "ambiguous-dataset-type", "error", "path", per_name=True)
def ambiguous_dataset_type(dataset, ctx):
    """A dataset matches two or more dataset types of the configured packs.

    **What it checks:** with ``packs`` configured, the types an ALF dataset matches (see
    ALF601); two or more is an error naming them.

    **Why it matters:** Alyx refuses to register a file matching several dataset types: it
    cannot tell which type the file is.

    **Bad:** with the IBL pack, ``alf/_ibl_subjectTrials.table.pqt`` matches both
    ``subjectTrials.table`` and ``trials.table`` (pattern ``*trials.table*``).

    **Good:** narrow one pattern (``_ibl_trials.table*``) in the pack, or rename the file.
    """
    if not ctx.config.packs:
        return
    found = _matches(dataset, ctx)
    if found is not None and len(found) > 1:
        yield f"{dataset.name} matches {len(found)} dataset types: {', '.join(found)}"


@rule("ALF603", "missing-required-dataset", "error", "session")
def missing_required_dataset(session, ctx):
    """A session or collection lacks a dataset the configuration requires.

    **What it checks:** each entry of ``required-datasets`` in the configuration, for
    instance::

        [[tool.alflint.required-datasets]]
        collection = "alf/probe*"
        datasets = ["spikes.times", "spikes.clusters"]

    A name ``object.attribute`` is present when a file's object and attribute equal it (any
    namespace, timescale, extra parts, extension, revision); ``_namespace_object.attribute``
    (an Alyx dataset-type name such as ``_iblrig_taskData.raw``) requires that namespace. With ``collection`` (shell
    wildcards allowed) every collection of the session that matches it must hold every listed
    dataset; a collection without wildcards must exist. Without ``collection`` the datasets
    may be anywhere in the session. Does nothing without ``required-datasets``.

    **Why it matters:** a spike-sorting folder without ``spikes.clusters``, or a session
    without ``trials.intervals``, breaks every analysis that loads it; finding it before
    upload is cheaper than after.

    **Bad:** ``alf/probe00/`` holding ``spikes.times.npy`` but no ``spikes.clusters.*``.

    **Good:** ``alf/probe00/spikes.times.npy`` and ``alf/probe00/spikes.clusters.npy``.
    """
    entries = ctx.config.required_datasets
    if not entries or session.reasons or session.nested_in is not None:
        return
    present: dict[str, set[str]] = {}
    for d in session.datasets:
        p = d.parts
        if p is None or d.folder_reasons:
            continue
        names = present.setdefault(d.collection or "", set())
        names.add(f"{p.object}.{p.attribute}")
        if p.namespace:
            names.add(f"_{p.namespace}_{p.object}.{p.attribute}")
    everywhere = set().union(*present.values()) if present else set()
    for entry in entries:
        wanted = entry["datasets"]
        pattern = entry.get("collection")
        if pattern is None:
            missing = [n for n in wanted if n not in everywhere]
            if missing:
                yield f"the session lacks {', '.join(missing)} (required-datasets)"
            continue
        matched = sorted(c for c in present if fnmatch.fnmatchcase(c, pattern))
        if not matched and not any(ch in pattern for ch in "*?["):
            matched = [pattern]
        for collection in matched:
            have = present.get(collection, set())
            missing = [n for n in wanted if n not in have]
            if missing:
                rule_text = f"collection {pattern!r}" if pattern != collection else "required-datasets"
                where = f"{session.key}/{collection}" if collection else session.key
                yield ctx.finding(where, f"collection {collection or '(session root)'!r} lacks "
                                         f"{', '.join(missing)} (required by {rule_text})")


@rule("ALF604", "pack-not-loaded", "error", "repository")
def pack_not_loaded(collection, ctx):
    """A configured dataset-type pack cannot be found, read or validated.

    **What it checks:** each entry of ``packs`` is a built-in pack name (``ibl``), the name of
    a pack a plugin ships (hook ``alflint_packs``), or the path
    of a pack file (relative to the configuration file) that is valid JSON and follows
    alflint's pack JSON Schema (``alflint/schemas/pack.schema.json``): a ``name`` and a list of
    ``dataset_types``, each with a ``name`` and optionally ``filename_pattern``,
    ``description``, ``collections``, ``required`` and ``groups``.

    **Why it matters:** the dataset-type rules (ALF601, ALF602) skip a pack that does not
    load; without this error a typo in the configuration would silently check nothing.

    **Bad:** ``packs = ["ilb"]``; a pack whose ``dataset_types`` is an object.

    **Good:** ``packs = ["ibl", "./lab-pack.json"]`` with
    ``{"name": "lab", "dataset_types": [{"name": "laser.power", "filename_pattern":
    "*laser.power*"}]}``.
    """
    if not ctx.config.packs:
        return
    for problem in packs_of(ctx.config)[1]:
        yield ctx.finding(".", problem)


@rule("ALF605", "incomplete-dataset-group", "warning", "session", enabled=False)
def incomplete_dataset_group(session, ctx):
    """A collection holds some datasets of a pack's group but not its required ones (opt-in).

    **What it checks:** with ``packs`` configured, a pack's dataset types may name the
    ``groups`` (modalities, pipelines) expecting them, the ``collections`` they are expected
    in, and whether they are ``required``. When a collection of the session holds a dataset
    of a group (for the IBL pack: ``TRIALS``, ``WHEEL``, ``SPIKE_SORTING``, ``RAW_EPHYS``...)
    in one of the group's collections, every required type of that group expected there must
    be present too. Select it with ``ALF605`` or ``incomplete-dataset-group``.

    **Why it matters:** a half-registered modality (spikes without clusters, a wheel without
    its timestamps) is worse than none: analyses find the group and fail on the missing part.

    **Caveat:** the IBL lists predate ``trials.table``: sessions that store trials in one
    table report its columns (``trials.choice``...) as missing. Ignore ALF605 for those
    collections with ``per-path-ignores``.

    **Bad:** with the IBL pack, ``alf/probe00/`` holding ``spikes.times.npy`` and
    ``spikes.clusters.npy`` but no ``clusters.*``.

    **Good:** every required ``SPIKE_SORTING`` type in ``alf/probe00/``.
    """
    config = ctx.config
    if not config.packs or session.reasons or session.nested_in is not None:
        return
    packs, _ = packs_of(config)
    expected = [(pack, t) for pack in packs for t in pack.types if t.groups and t.collections]
    if not expected:
        return
    matched: dict[str, set[str]] = {}  # collection -> type names found there
    for d in session.datasets:
        p = d.parts
        if p is None or d.folder_reasons:
            continue
        names = matched.setdefault(d.collection or "", set())
        for pack in packs:
            names.update(pack.match(d.name, f"{p.object}.{p.attribute}"))
    for collection, names in sorted(matched.items()):
        here = [(pack, t) for pack, t in expected
                if any(fnmatch.fnmatchcase(collection, c) for c in t.collections)]
        present_groups = {g for _, t in here if t.name in names for g in t.groups}
        for group in sorted(present_groups):
            missing = sorted({t.name for _, t in here if group in t.groups and t.required and t.name not in names})
            if missing:
                pack_names = ", ".join(sorted({pack.name for pack, t in here if group in t.groups}))
                where = f"{session.key}/{collection}" if collection else session.key
                yield ctx.finding(where, f"collection {collection or '(session root)'!r} holds {group} datasets but "
                                         f"lacks required {', '.join(missing)} (pack {pack_names})")
