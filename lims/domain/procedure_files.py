"""Procedure files: reading the folder of procedure JSON files, resolving the blocks they share
(``{"$ref": "shared/<name>.json"}``), checking that each (code, version) is unique and that ``superseded_by``
names a later version, and finding a procedure by code and version. The format is documented in
``docs/procedures.md``; a procedure itself is :class:`lims.domain.procedures.Procedure`.

>>> procs = load_procedures()
>>> sorted({p.code for p in procs})[:5]
['CAL-DMM-ACV', 'CAL-DMM-DCI', 'CAL-DMM-DCV', 'CAL-DMM-R', 'CAL-NAWI-CG18']
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from lims.domain.procedures import Procedure, ProcedureError, procedure_from_dict

__all__ = ["SHARED_FOLDER", "find_procedure", "load_procedures", "procedure_definitions", "version_key"]

#: Blocks several procedure files share (an automation block of two versions of one method) live here, under
#: the procedures' folder; a file names one as ``{"$ref": "shared/<name>.json"}`` in place of the block.
SHARED_FOLDER = "shared"


def _procedure_files(directory: Path | None) -> Iterable[tuple[str, str, Any]]:
    """(file name, text, the folder as a Traversable) of every procedure file, in name order."""
    root: Any = directory if directory is not None else resources.files("lims.domain").joinpath("procedures")
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json") and entry.is_file():
            yield entry.name, entry.read_text(encoding="utf-8"), root


def _resolve_shared(data: Any, root: Any, where: str) -> Any:
    """Replace each top-level ``{"$ref": "shared/<name>.json"}`` by that file's content (one level: a shared
    block holds no references itself).

    >>> _resolve_shared({"code": "X", "automation": {"$ref": "../x.json"}}, None, "X.json")
    Traceback (most recent call last):
    ...
    lims.domain.procedures.ProcedureError: X.json: automation: $ref '../x.json' must name a file shared/<name>.json
    """
    if not isinstance(data, dict):
        return data
    out = dict(data)
    for key, value in data.items():
        if not (isinstance(value, dict) and set(value) == {"$ref"}):
            continue
        ref = value["$ref"]
        parts = ref.split("/") if isinstance(ref, str) else []
        if (
            len(parts) != 2
            or parts[0] != SHARED_FOLDER
            or not parts[1].endswith(".json")
            or parts[1].startswith(".")
        ):
            raise ProcedureError(f"{where}: {key}: $ref {ref!r} must name a file {SHARED_FOLDER}/<name>.json")
        target = root.joinpath(SHARED_FOLDER, parts[1])
        if not target.is_file():
            raise ProcedureError(f"{where}: {key}: $ref {ref!r}: no such shared file")
        try:
            out[key] = json.loads(target.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ProcedureError(
                f"{where}: {key}: {ref}: not valid JSON (line {exc.lineno}: {exc.msg})"
            ) from None
    return out


def procedure_definitions(directory: Path | None = None) -> list[tuple[str, dict[str, Any]]]:
    """(file name, definition) of every procedure file in ``directory`` (default: the shipped ones), shared
    blocks resolved: the definition a job stores is whole and does not depend on the shared file later."""
    found: list[tuple[str, dict[str, Any]]] = []
    for name, text, root in _procedure_files(directory):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ProcedureError(f"{name}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
        found.append((name, _resolve_shared(data, root, name)))
    return found


def load_procedures(directory: Path | None = None) -> tuple[Procedure, ...]:
    """Every procedure in ``directory`` (default: the ones shipped in ``lims/domain/procedures/``).

    A (code, version) pair must be unique, and a version's ``superseded_by`` must name a later version of
    the same code.

    >>> [p.version for p in load_procedures() if p.code == "VER-NAWI-R76" and p.superseded_by == "2.0"]
    ['1.0']
    """
    found: dict[tuple[str, str], Procedure] = {}
    for name, data in procedure_definitions(directory):
        procedure = procedure_from_dict(data, where=name)
        key = (procedure.code, procedure.version)
        if key in found:
            raise ProcedureError(
                f"{name}: procedure {procedure.code} version {procedure.version} is defined twice"
            )
        found[key] = procedure
    for procedure in found.values():
        newer = procedure.superseded_by
        if newer is not None and (
            (procedure.code, newer) not in found or version_key(newer) <= version_key(procedure.version)
        ):
            raise ProcedureError(
                f"procedure {procedure.code} version {procedure.version}.superseded_by: {newer!r} is not a later "
                f"version of {procedure.code}"
            )
    return tuple(sorted(found.values(), key=lambda p: (p.code, version_key(p.version))))


def version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """Sorts versions numerically part by part: ``1.10`` after ``1.9``."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in version.split("."))


def find_procedure(procedures: Sequence[Procedure], code: str, version: str | None = None) -> Procedure:
    """The procedure with ``code`` (its latest version unless ``version`` is given).

    >>> find_procedure(load_procedures(), "CAL-TH-BATH").unit
    '°C'
    """
    matching = [p for p in procedures if p.code == code]
    if not matching:
        raise ProcedureError(f"procedure {code!r} does not exist")
    if version is None:
        return max(matching, key=lambda p: version_key(p.version))
    for p in matching:
        if p.version == version:
            return p
    versions = ", ".join(p.version for p in matching)
    raise ProcedureError(f"procedure {code} has no version {version!r} (versions: {versions})")
