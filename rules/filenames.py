"""ALF1xx: rules about file names.

Path rules see one file at a time and return at once for the common case (a valid, camelCase
name in a session), because they run on every file of repositories with 200,000 files. The
grammar and its reasons come from :mod:`alflint.spec`; these rules only decide which reason
belongs to which rule and say what ONE would do with the file. The last three rules look at
the whole repository (walk problems and case collisions).
"""

from __future__ import annotations

import fnmatch
import functools
import re
import unicodedata

from alflint import spec
from alflint.rule import Finding, rule

#: OS metadata files (compared in lower case) and the macOS AppleDouble prefix ``._``.
_JUNK = frozenset({".ds_store", "thumbs.db", "ehthumbs.db", "desktop.ini"})


def is_os_junk(name: str) -> bool:
    """True for files operating systems leave behind: ``._*``, ``.DS_Store``, ``Thumbs.db``, ..."""
    return name.startswith("._") or name.lower() in _JUNK


def is_hidden_folder(segment: str) -> bool:
    """True for a hidden folder name (``.ipynb_checkpoints``), not for ``.`` or ``..``."""
    return segment.startswith(".") and segment not in (".", "..")


def in_hidden_folder(dataset) -> bool:
    """True when a folder between the session and the file is hidden (ALF202 reports it)."""
    return bool(dataset.folder_reasons) and any(is_hidden_folder(s) for s in dataset.rel_path.split("/")[:-1])


def _incomplete_namespace(name: str) -> bool:
    """A name starting with ``_`` whose head is not ``_namespace_object`` (both non-empty).

    These are the names ONE's pattern misreads by backtracking (spec's ``underscore-prefix``
    deliberate difference): ``_obj`` (namespace 'ob', object 'j'), ``__obj``, ``_ns_``.
    """
    if not name.startswith("_"):
        return False
    namespace, sep, obj = name.split(".", 1)[0][1:].partition("_")
    return not (namespace and sep and obj)


# --------------------------------------------------------------------------------------------
# ALF101-ALF103: names ONE cannot index (or misreads)
# --------------------------------------------------------------------------------------------


@rule("ALF101", "invalid-filename", "error", "path", per_name=True)
def invalid_filename(dataset, ctx):
    """A file in a session named like a dataset (two or more dots) is not a valid ALF name.

    **What it checks:** every file inside a session whose name has at least two dots, so it
    means to be ``object.attribute.extension``, must follow the ALF filename grammar
    ``(_namespace_)object.attribute(_timescale)(.extra).extension``. The message gives the
    precise reason: an empty part, an illegal character, whitespace, a non-ASCII character,
    a trailing newline. OS junk (ALF110) and a leading underscore without a complete
    namespace (ALF103) have rules of their own.

    **Why it matters:** ONE indexes such files with an empty path (its cache then fails to
    load) and none of its list or load calls can find them. (Non-ASCII letters in an
    object, which ONE accepts, are rejected on purpose: their Unicode form differs between
    macOS and Linux.)

    **Bad:** ``spike-times.raw.npy``, ``spikes.times .npy``, ``spikes..npy``

    **Good:** ``spikes.times.npy``, ``spikes.times.raw.npy``
    """
    if dataset.parts is not None or dataset.session is None:
        return
    name = dataset.name
    if name.count(".") < 2 or is_os_junk(name):
        return
    reasons = spec.filename_reasons(name)
    if _incomplete_namespace(name):  # the head is ALF103's; report the rest of the name here
        reasons = [r for r in reasons if r.part not in ("namespace", "object")]
    for reason in reasons:
        yield f"not an ALF filename: {reason}"


@rule("ALF102", "not-a-dataset", "warning", "path", applies=lambda name, p, in_session: in_session and p is None,
      options={"allow": {"type": "array", "items": {"type": "string"}, "default": ["README*", "*.flag"],
                         "description": "file name globs that may sit in a session without being datasets"}})
def not_a_dataset(dataset, ctx):
    """A file in a session has fewer than two dots, so ONE will not index it.

    **What it checks:** files inside a session folder whose name has no dot or one dot
    (``spikes.times``, ``spikes_times.npy``, ``notes``). Where the intended dataset name is
    obvious the message suggests it. Not reported: hidden files (``.gitkeep``; OS junk is
    ALF110's), files matching the ``allow`` option (by default ``README*`` and ibllib's
    ``*.flag`` pipeline flags), files inside hidden folders (ALF202's) and excluded paths.

    **Why it matters:** ONE indexes only names with at least two dots
    (``object.attribute.extension``); anything else is silently left out of the cache, so
    data saved under such a name is invisible to ``list_datasets`` and every load.

    **Bad:** ``alf/spikes.times`` (no extension), ``alf/spikes_times.npy``

    **Good:** ``alf/spikes.times.npy``

    Options: ``allow`` (list of file name globs, case-insensitive, default ``["README*", "*.flag"]``).
    """
    if dataset.parts is not None or dataset.session is None:
        return  # a valid name has two dots
    name = dataset.name
    dots = name.count(".")
    if dots >= 2 or name.startswith(".") or is_os_junk(name) or in_hidden_folder(dataset):
        return
    if _allowed(name, tuple(ctx.options["allow"])):
        return
    dots_text = "one dot" if dots else "no dot"
    message = (f"{name!r} is not a dataset name ({dots_text}; datasets are object.attribute.extension): "
               "ONE will not index this file")
    suggestion = _dataset_name_for(name)
    if suggestion:
        message += f"; if it is data, name it {suggestion!r}"
    yield message


@functools.lru_cache(maxsize=32)
def _allowed_pattern(globs: tuple[str, ...]) -> re.Pattern | None:
    return re.compile("|".join(fnmatch.translate(g) for g in globs), re.IGNORECASE) if globs else None


def _allowed(name: str, globs: tuple[str, ...]) -> bool:
    pattern = _allowed_pattern(globs)
    return pattern is not None and pattern.match(name) is not None


#: Common file formats: a one-dot name ending in one of these is ``stem.format``, not
#: ``object.attribute`` missing its extension.
_FORMATS = spec.LOADABLE_EXTENSIONS | frozenset(
    "bin cbin ch meta mp4 avi mov mkv txt log md rst mat h5 hdf5 nwb tif tiff png jpg jpeg gif svg pdf "
    "zip gz tar bz2 xz 7z flac wav py ipynb m sh bat flag ini cfg conf toml xml html htm parquet pkl pickle "
    "db sqlite xlsx xls doc docx pptx ppt dat raw".split()
)


def _dataset_name_for(name: str) -> str | None:
    """The obvious ALF name for a one-dot or dotless name, or None."""
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, "<ext>"
    elif ext not in _FORMATS and spec.try_parse_filename(f"{name}.npy") is not None:
        return f"{name}.<ext>"  # 'spikes.times': the extension is missing
    if stem.count("_") == 1:
        candidate = stem.replace("_", ".") + "." + ext
        probe = candidate if dot else candidate.replace("<ext>", "npy")
        if spec.try_parse_filename(probe) is not None:
            return candidate  # 'spikes_times.npy' -> 'spikes.times.npy'
    return None


@rule("ALF103", "misparsed-namespace", "error", "path", per_name=True)
def misparsed_namespace(dataset, ctx):
    """A name starting with ``_`` has no complete ``_namespace_``, and ONE misreads it.

    **What it checks:** dataset names (two or more dots) in a session that start with an
    underscore but do not continue as ``_namespace_object``: ``_obj.attr.npy``,
    ``__obj.attr.npy``, ``_ns_.attr.npy``. The message says how ONE would read the name.

    **Why it matters:** ONE's pattern accepts these names but backtracks into a different
    split: ``_obj.attr.npy`` becomes namespace ``ob`` and object ``j``, ``_ns_.attr.npy``
    object ``_``. ``load_object(eid, 'obj')`` then finds nothing, and the wrong object and
    namespace end up in the cache. alflint rejects them (see
    ``spec.DELIBERATE_DIFFERENCES['underscore-prefix']``).

    **Bad:** ``_trials.intervals.npy``, ``__ibl_trials.intervals.npy``, ``_ibl_.intervals.npy``

    **Good:** ``trials.intervals.npy``, ``_ibl_trials.intervals.npy``
    """
    if dataset.parts is not None or dataset.session is None:
        return
    name = dataset.name
    if name.count(".") < 2 or not _incomplete_namespace(name):
        return
    head = name.split(".", 1)[0]
    if head.strip("_") and "_" not in head.strip("_"):
        hint = f"; name it {name.lstrip('_')!r} or give it a namespace ('_ns_{name.lstrip('_')}')"
    else:
        hint = "; write a namespace as _namespace_ followed by the object ('_ibl_trials.intervals.npy')"
    for reason in spec.filename_reasons(name):
        if reason.part in ("namespace", "object"):
            yield f"{reason}{hint}"


# --------------------------------------------------------------------------------------------
# ALF104-ALF108: conventions (valid names ONE loads, but not as their authors meant)
# --------------------------------------------------------------------------------------------

#: camelCase: a lower-case first letter, or an acronym of two or more capitals (ROIMotion, DAQdata).
_CAMEL = re.compile(r"(?:[a-z]|[A-Z]{2,})[a-zA-Z0-9]*\Z", re.ASCII)
#: SpikeGLX-style run tags after an object: _g0_t0, _imec0 (lower-case letters then digits).
_RUN_TAGS = re.compile(r"(?:_[a-z]+[0-9]+)+\Z", re.ASCII)
#: A SpikeGLX run name as the acquisition software writes it: any run name, gate, trigger.
_SPIKEGLX_RUN = re.compile(r"\w+_g[0-9]+_t[0-9]+\Z", re.ASCII)
_SPLIT_RUN_TAGS = re.compile(r"(.*?)((?:_[a-z]+[0-9]+)*)\Z", re.ASCII | re.DOTALL)
#: An attribute: optional deprecated _xxx_ prefix, camelCase core, optional _times/_intervals.
_CAMEL_ATTRIBUTE = re.compile(r"(?:_[a-z]+_)?(?:[a-z]|[A-Z]{2,})[a-zA-Z0-9]*(?:_times|_intervals)?\Z", re.ASCII)
_ATTRIBUTE_CORE = re.compile(r"(_[a-z]+_)?(.*?)(_times|_intervals)?\Z", re.ASCII | re.DOTALL)


def _camel_case(word: str) -> str:
    """``word`` in camelCase, keeping the case inside words (``iblrig_ephysData`` -> ``iblrigEphysData``)."""
    first, *rest = [w for w in word.split("_") if w] or [word]
    head = first if _CAMEL.match(first) else first[:1].lower() + first[1:]
    return head + "".join(w[:1].upper() + w[1:] for w in rest)


def _not_camel_because(word: str) -> str:
    if "_" in word:
        return "contains '_'"
    if word[:1].isdigit():
        return "starts with a digit"
    if word[:1].isupper():
        return "starts with a capital letter (only acronyms such as ROI may)"
    return "is not letters and digits"


@rule("ALF104", "object-not-camel-case", "warning", "path",
      options={"allow-run-suffix": {"type": "boolean", "default": True,
                                    "description": "accept SpikeGLX run tags after a camelCase object (ephysData_g0_t0)"}},
      per_name=True)
def object_not_camel_case(dataset, ctx):
    """The object of a dataset name is not camelCase.

    **What it checks:** the object part (``spikes`` in ``spikes.times.npy``) of every valid
    dataset name in a session starts with a lower-case letter and holds only letters and
    digits. Acronyms are allowed at the start (``ROIMotion``, ``DAQdata``, ``RFMapStim``).
    Underscores are not camelCase, with one convention accepted: run tags, lower-case
    letters then digits, after a camelCase object (``_spikeglx_ephysData_g0_t0.imec0.ap.bin``),
    and SpikeGLX run names as the acquisition software writes them, ``<run>_g<gate>_t<trigger>``
    (``my_run_g0_t0.imec0.ap.bin``): raw files keep the names they were recorded with. Set the
    option ``allow-run-suffix = false`` to report those too.

    **Why it matters:** ONE loads the file, but the ALF specification names objects in
    camelCase, Alyx dataset types and other people's code search for ``spikes``, not
    ``Spikes`` or ``spike_times``, and object names are matched exactly.

    **Bad:** ``Spikes.times.npy``, ``spike_times.raw.npy`` (object ``spike_times``),
    ``iblrig_ephysData.raw.bin``

    **Good:** ``spikes.times.npy``, ``ROIMotion.energy.npy``, ``_spikeglx_ephysData_g0_t0.imec0.ap.bin``

    Options: ``allow-run-suffix`` (default true).
    """
    parts = dataset.parts
    if parts is None or dataset.session is None or _CAMEL.match(parts.object):
        return
    obj = parts.object
    head, underscore, tail = obj.partition("_")
    if underscore and ctx.options["allow-run-suffix"]:
        if (_CAMEL.match(head) and _RUN_TAGS.match("_" + tail)) or _SPIKEGLX_RUN.match(obj):
            return
    core, tags = _SPLIT_RUN_TAGS.match(obj).groups() if ctx.options["allow-run-suffix"] else (obj, "")
    if not core:
        core, tags = obj, ""
    fixed = _camel_case(core)
    message = f"object {obj!r} {_not_camel_because(core)}: objects are camelCase"
    if fixed != core and _CAMEL.match(fixed):
        message += f" ({fixed + tags!r})"
    yield message


@rule("ALF105", "attribute-not-camel-case", "warning", "path", per_name=True)
def attribute_not_camel_case(dataset, ctx):
    """The attribute of a dataset name is not camelCase.

    **What it checks:** the attribute (``times`` in ``spikes.times.npy``) starts with a
    lower-case letter or an acronym (``ROIMotionEnergy``, ``GPIO``) and holds only letters and
    digits, apart from the ``_times`` and ``_intervals`` suffixes (``stimOn_times``) and the
    deprecated ``_xxx_`` prefix (``clusters._phy_annotation``), which the grammar allows.
    An attribute starting with a digit usually means a dot inside an object or run name
    (``sampleNP2.1_g0_t0.imec.ap.meta``), which ONE splits at the dot; the message shows the
    parse.

    **Why it matters:** ONE loads the attribute under its exact name: ``Times`` is a
    different key from ``times``, and code and dataset types expecting ``times`` miss it.

    **Bad:** ``spikes.Times.npy``, ``trials.StimOn_times.npy``

    **Good:** ``spikes.times.npy``, ``trials.stimOn_times.npy``, ``mpci.ROIActivityF.npy``
    """
    parts = dataset.parts
    if parts is None or dataset.session is None or _CAMEL_ATTRIBUTE.match(parts.attribute):
        return
    attribute = parts.attribute
    prefix, core, suffix = _ATTRIBUTE_CORE.match(attribute).groups()
    message = f"attribute {attribute!r} {_not_camel_because(core)}: attributes are camelCase"
    if core[:1].isdigit():
        message += f" (ONE reads object {parts.object!r}, attribute {attribute!r}: is there a dot in the object name?)"
    else:
        suggestion = (prefix or "") + _camel_case(core) + (suffix or "")
        if suggestion != attribute:
            message += f" ({suggestion!r})"
    yield message


@rule("ALF106", "namespace-not-lower-case", "warning", "path", per_name=True)
def namespace_not_lower_case(dataset, ctx):
    """The namespace of a dataset name is not lower case.

    **What it checks:** the ``_namespace_`` prefix (``ibl`` in ``_ibl_trials.intervals.npy``)
    holds no capital letters.

    **Why it matters:** namespaces name pipelines and formats in lower case (``_ibl_``,
    ``_phy_``, ``_spikeglx_``). ONE compares them exactly, so ``namespace='ibl'`` does not
    find ``_IBL_trials.intervals.npy``, and two spellings of one namespace split one object.

    **Bad:** ``_IBL_trials.intervals.npy``, ``_SpikeGLX_ephysData_g0_t0.imec0.ap.bin``

    **Good:** ``_ibl_trials.intervals.npy``, ``_spikeglx_ephysData_g0_t0.imec0.ap.bin``
    """
    parts = dataset.parts
    if parts is None or dataset.session is None or not parts.namespace:
        return
    namespace = parts.namespace
    if namespace != namespace.lower():
        lower = namespace.lower()
        yield (f"namespace {namespace!r} is not lower case: ONE matches namespaces exactly, "
               f"so namespace={lower!r} misses this file (rename to '_{lower}_')")


@rule("ALF107", "extension-not-lower-case", "error", "path", per_name=True)
def extension_not_lower_case(dataset, ctx):
    """The extension of a dataset name is not lower case.

    **What it checks:** the extension (``npy`` in ``spikes.times.npy``) holds no capital
    letters.

    **Why it matters:** ONE chooses how to load a file from its exact suffix: ``.npy`` is
    read with numpy, ``.NPY`` is not recognised and ``load_object`` returns the file path
    instead of the array, silently. Filters such as ``extension='npy'`` miss it as well.

    **Bad:** ``spikes.times.NPY``, ``trials.table.Pqt``

    **Good:** ``spikes.times.npy``, ``trials.table.pqt``
    """
    parts = dataset.parts
    if parts is None or dataset.session is None:
        return
    extension = parts.extension
    if extension == extension.lower():
        return
    lower = extension.lower()
    if lower in spec.LOADABLE_EXTENSIONS:
        consequence = "ONE picks its loader from the exact suffix, so this file loads as a path, not as data"
    else:
        consequence = f"ONE matches extensions exactly, so extension={lower!r} misses this file"
    yield f"extension {extension!r} is not lower case: {consequence} (rename to '.{lower}')"


#: Suffixes that are units, not clocks (compared in lower case).
_UNITS = (
    "ms", "s", "sec", "secs", "second", "seconds", "min", "mins", "minute", "minutes", "h", "hr", "hrs",
    "hour", "hours", "us", "ns", "hz", "khz", "mhz", "m", "mm", "cm", "um", "nm", "v", "mv", "uv",
    "deg", "degs", "degree", "degrees", "rad", "rads", "radian", "radians", "px", "pix", "pixel", "pixels",
)


@functools.lru_cache(maxsize=8)
def _unit_set(units: tuple[str, ...]) -> frozenset[str]:
    return frozenset(u.lower() for u in units)


@rule("ALF108", "suffix-read-as-timescale", "warning", "path",
      options={"units": {"type": "array", "items": {"type": "string"}, "default": list(_UNITS),
                         "description": "suffixes that are units, not clocks (compared in lower case)"}},
      per_name=True)
def suffix_read_as_timescale(dataset, ctx):
    """A ``_timestamps`` or unit suffix after the attribute is read as a timescale.

    **What it checks:** the grammar keeps only ``_times`` and ``_intervals`` in an attribute;
    any other ``_suffix`` becomes the *timescale* (the clock the times are on). This rule
    reports the suffixes that are evidently not clocks: ``_timestamps``
    (``obj.attr_timestamps.npy`` is attribute ``attr`` on the clock ``timestamps``) and units
    (``_ms``, ``_s``, ``_sec``, ``_um``, ``_uV``, ``_deg``, ``_hz``; the ``units`` option
    holds the list), also as the last part of a longer timescale (``times_ephysClock_minutes``).

    Other suffixes are not reported: real clocks (``_bpod``, ``_ephysClock``) and the IBL
    habit of using the timescale slot for a variant label, such as the atlas version in
    ``channels.brainLocationIds_ccf_2017.npy`` or ``_ibl_log.info_pykilosort.log``. ONE keys
    those files ``brainLocationIds_ccf_2017``, which is what their authors want.

    **Why it matters:** ALF has no unit suffix (times are in seconds). ``load_object`` keys
    the file ``duration_ms``, filters on ``attribute='duration_ms'`` find nothing, and
    ``timestamps`` as a clock tells readers the times are on a clock that does not exist.

    **Bad:** ``trials.duration_ms.npy``, ``wheel.position_timestamps.npy``

    **Good:** ``trials.durationMs.npy`` (or seconds: ``trials.duration.npy``),
    ``wheel.timestamps.npy``, ``spikes.times_ephysClock.npy``

    Options: ``units`` (list of suffixes).
    """
    parts = dataset.parts
    if parts is None or dataset.session is None or not parts.timescale:
        return
    attribute, timescale = parts.attribute, parts.timescale
    words = timescale.split("_")
    if words[0] == "timestamps":
        yield (f"'{attribute}_timestamps' is read as attribute {attribute!r} on the clock (timescale) {timescale!r}: "
               f"only _times and _intervals stay in an attribute, so attribute='{attribute}_timestamps' finds nothing; "
               f"timestamps are the attribute 'timestamps' of the object they time ('{parts.object}.timestamps'), "
               f"or write {attribute + 'Timestamps'!r}")
        return
    units = _unit_set(tuple(ctx.options["units"]))
    unit = next((w for w in words if w.lower() in units), None)
    if unit is not None:
        yield (f"'_{unit}' is a unit, but ONE reads attribute {attribute!r} on the clock (timescale) {timescale!r}: "
               f"ALF has no unit suffix (times are in seconds); put the unit in the attribute "
               f"({attribute + unit[:1].upper() + unit[1:]!r}) or in the documentation")


# --------------------------------------------------------------------------------------------
# ALF109-ALF110: files that are there but hold nothing useful
# --------------------------------------------------------------------------------------------


@rule("ALF109", "empty-dataset", "error", "path", applies=lambda name, p, in_session: in_session and p is not None, on_load=True)
def empty_dataset(dataset, ctx):
    """A valid ALF dataset is an empty file (0 bytes).

    **What it checks:** the size of every valid dataset in a session.

    **Why it matters:** ONE loads a 0-byte file as ``None`` without a word, so the object
    silently lacks that attribute's data; empty files are usually an interrupted copy or a
    placeholder that was never filled.

    **Bad:** ``alf/spikes.times.npy`` of 0 bytes

    **Good:** ``alf/spikes.times.npy`` holding the spike times
    """
    if dataset.size or not dataset.is_alf:
        return
    yield "empty file (0 bytes): ONE loads it as None; write the data or remove the placeholder"


@rule("ALF110", "os-junk", "warning", "path", per_name=True)
def os_junk(dataset, ctx):
    """An operating-system metadata file sits in a session.

    **What it checks:** macOS ``._*`` (AppleDouble) and ``.DS_Store`` files and Windows
    ``Thumbs.db`` and ``desktop.ini`` inside session folders. Outside sessions they are
    harmless and not reported.

    **Why it matters:** they are not data. AppleDouble copies of datasets keep two dots
    (``._spikes.times.npy``), so ONE indexes them with an empty path and ``One()`` then fails
    to load its cache.

    **Bad:** ``alf/._spikes.times.npy``, ``alf/.DS_Store``

    **Good:** nothing but data in a session (delete them; on macOS ``dot_clean`` merges ``._`` files)
    """
    if dataset.parts is not None or dataset.session is None or not is_os_junk(dataset.name):
        return  # junk names never parse
    name = dataset.name
    if name.startswith("._"):
        message = "macOS AppleDouble file (resource fork), not data"
        if name.count(".") >= 2:  # ONE indexes every name with two dots
            message += ": ONE indexes it with an empty path, which breaks loading its cache"
    elif name.lower() == ".ds_store":
        message = "macOS Finder metadata, not data"
    else:
        message = "Windows Explorer metadata, not data"
    yield f"{message}; delete it"


# --------------------------------------------------------------------------------------------
# ALF111-ALF113: the repository as a whole
# --------------------------------------------------------------------------------------------


@rule("ALF111", "broken-symlink", "error", "repository")
def broken_symlink(collection, ctx):
    """A symbolic link points nowhere (or loops back into a folder already walked).

    **What it checks:** symlinks whose target does not exist or that lead back to
    themselves through other links (an error) and symlinked folders that lead back into
    folders already walked (a warning: they are not followed a second time).

    **Why it matters:** a dataset behind a broken link exists in listings but cannot be
    read; copies and transfers fail on it. A folder loop makes naive tools walk forever and
    lists the same files twice.

    **Bad:** ``alf/spikes.times.npy -> /mnt/old_disk/spikes.times.npy`` (missing)

    **Good:** a link to an existing file, or the file itself
    """
    for problem in collection.problems:
        if problem.kind == "broken-symlink":
            yield Finding(problem.rel or ".", f"{problem.message}: the file cannot be read")
        elif problem.kind == "symlink-loop":
            yield Finding(problem.rel or ".", problem.message, "warning")


_UNREADABLE = {
    "unreadable-file": "the file cannot be read, so it cannot be checked or loaded",
    "unreadable-folder": "nothing below this folder was checked",
    "special-file": "only regular files can be datasets",
}


@rule("ALF112", "unreadable", "error", "repository")
def unreadable(collection, ctx):
    """A file or folder cannot be read (permissions), or is not a regular file.

    **What it checks:** files and folders the walk could not open (permission denied, I/O
    errors) and special files (sockets, FIFOs, devices) inside the checked tree.

    **Why it matters:** alflint could not check them and ONE cannot load them; for an
    unreadable folder, everything below it is missing from the check.

    **Bad:** ``alf/`` with mode ``000``; a FIFO named ``alf/spikes.times.npy``

    **Good:** readable regular files and folders
    """
    for problem in collection.problems:
        consequence = _UNREADABLE.get(problem.kind)
        if consequence is not None:
            yield Finding(problem.rel or ".", f"{problem.message}: {consequence}")


def _fold(text: str) -> str:
    """``text`` as a case- and normalization-insensitive file system compares it."""
    return unicodedata.normalize("NFC", text).casefold()


@rule("ALF113", "case-collision", "error", "repository")
def case_collision(collection, ctx):
    """Two files or folders have names that differ only by case.

    **What it checks:** names in the same folder that are equal when upper and lower case
    are not distinguished (``Spikes.times.npy`` and ``spikes.times.npy``; ``alf/`` and
    ``ALF/``), or, for non-ASCII names, when Unicode normalization is ignored too (``é`` as
    one character or as ``e`` plus an accent, as macOS writes it). Each collision is
    reported once, at the highest folder where it occurs.

    **Why it matters:** macOS and Windows file systems are case-insensitive by default:
    copying such a repository there keeps only one of the two, silently, and the
    surviving file depends on the copy order.

    **Bad:** ``alf/spikes.times.npy`` and ``alf/Spikes.times.npy``

    **Good:** one spelling per name (``alf/spikes.times.npy``)
    """
    rels = [d for d in collection.dirs if d] + [d.rel for d in collection.datasets]
    if len({r.lower() if r.isascii() else _fold(r) for r in rels}) == len(rels):
        return  # no two paths are equal once folded: the common case, decided at C speed
    groups: dict[tuple[str, str], list[str]] = {}
    for rel in rels:
        parent, _, name = rel.rpartition("/")
        groups.setdefault((parent, name.lower() if name.isascii() else _fold(name)), []).append(rel)
    for paths in groups.values():
        if len(paths) > 1:
            first, *others = sorted(paths)
            names = " and ".join(repr(p) for p in others)
            how = "case" if all(p.isascii() for p in paths) else "case or Unicode normalization"
            yield Finding(first, f"{first!r} and {names} differ only by {how}: on a case-insensitive file system "
                                 "(macOS, Windows) they are one path and one overwrites the other")
