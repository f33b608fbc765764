"""The legal metrology catalogue: the instrument types the lab verifies, each fact with its citation.

The data are in ``instrument_types.json`` beside this module (format described in docs/verification.md).
Every fact (on the list of instruments requiring verification, the verification cycle, the ĐLVN procedure)
says where it comes from and whether it was checked against the text (``checked``); facts written from
memory carry ``checked = False`` and every page that shows them says so.

Legal basis (from the texts named in the file's ``sources``): Law on Metrology 04/2011/QH13; Circular
23/2013/TT-BKHCN article 4(1) and its appendix (list of group 2 instruments, control measures and
verification cycles) as amended by Circular 07/2019/TT-BKHCN and Circular 03/2024/TT-BKHCN.

>>> catalogue = load_catalogue()
>>> scale = catalogue.get("can-ban")
>>> scale.name.vi, scale.cycle_months.value, scale.procedure.reference
('Cân bàn', 12, 'ĐLVN 14:2009')
>>> scale.procedure.checked, catalogue.for_lab_procedure("VER-NAWI-R76").code
(False, 'can-ban')
>>> catalogue.get("thuoc-cuon")
Traceback (most recent call last):
...
lims.domain.legal.catalogue.UnknownInstrumentType: no legal instrument type 'thuoc-cuon' in the catalogue
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Generic, TypeVar

from lims.domain.errors import DomainError

T = TypeVar("T")


class CatalogueError(DomainError, ValueError):
    """The catalogue file does not follow its format; the message names the field."""


class UnknownInstrumentType(DomainError, LookupError):
    """No instrument type with that code (or, for a lab procedure, no single one)."""

    def __init__(self, code: str, detail: str = "") -> None:
        self.code = code
        super().__init__(detail or f"no legal instrument type {code!r} in the catalogue")


@dataclass(frozen=True, slots=True)
class Bilingual:
    vi: str
    en: str

    def get(self, language: str) -> str:
        """The text in ``language`` (``vi`` unless ``en``)."""
        return self.en if language == "en" else self.vi


@dataclass(frozen=True, slots=True)
class Source:
    """A legal text the catalogue cites, and what it was checked against."""

    key: str
    title: Bilingual
    checked: bool
    checked_against: Bilingual


@dataclass(frozen=True, slots=True)
class CitedFact(Generic[T]):
    """One fact with the article or appendix it comes from; ``checked`` = read in the text itself."""

    value: T
    cite: Bilingual
    checked: bool


@dataclass(frozen=True, slots=True)
class LegalProcedure:
    """A Vietnamese verification procedure (văn bản kỹ thuật đo lường, ĐLVN)."""

    code: str  # "ĐLVN 14"
    year: int
    title: Bilingual
    checked: bool
    checked_against: Bilingual | None = None  # the copy of the text it was read in (required when checked)

    @property
    def reference(self) -> str:
        """``ĐLVN 14:2009``: the form the procedures are cited in."""
        return f"{self.code}:{self.year}"


@dataclass(frozen=True, slots=True)
class InstrumentType:
    """One instrument type the lab verifies."""

    code: str
    name: Bilingual
    field: str  # measurement field of verification officer cards ("mass", "pressure")
    requires_verification: CitedFact[bool]
    cycle_months: CitedFact[int]
    procedure: LegalProcedure
    characteristics: tuple[str, ...]  # keys of Catalogue.characteristic_labels, in printing order
    lab_procedures: tuple[str, ...]  # the lab's own procedure codes that carry out the verification

    @property
    def all_checked(self) -> bool:
        return self.requires_verification.checked and self.cycle_months.checked and self.procedure.checked


@dataclass(frozen=True, slots=True)
class Catalogue:
    sources: tuple[Source, ...]
    list_citation: Bilingual
    types: tuple[InstrumentType, ...]
    characteristic_labels: Mapping[str, Bilingual]

    def get(self, code: str) -> InstrumentType:
        for t in self.types:
            if t.code == code:
                return t
        raise UnknownInstrumentType(code)

    def for_lab_procedure(self, procedure_code: str) -> InstrumentType:
        """The single type a lab procedure verifies, or :class:`UnknownInstrumentType`."""
        found = [t for t in self.types if procedure_code in t.lab_procedures]
        if len(found) != 1:
            detail = (
                f"the lab procedure {procedure_code} verifies no instrument type of the catalogue"
                if not found
                else f"the lab procedure {procedure_code} verifies several instrument types "
                f"({', '.join(t.code for t in found)}): name the type in the job's requirements"
            )
            raise UnknownInstrumentType(procedure_code, detail)
        return found[0]


def _nfc(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise CatalogueError(f"{where}: a non-empty text is required")
    return unicodedata.normalize("NFC", value.strip())


def _bilingual(raw: Any, where: str) -> Bilingual:
    if not isinstance(raw, dict):
        raise CatalogueError(f"{where}: an object with 'vi' and 'en' is required")
    return Bilingual(_nfc(raw.get("vi"), f"{where}.vi"), _nfc(raw.get("en"), f"{where}.en"))


def _checked(raw: Mapping[str, Any], where: str) -> bool:
    value = raw.get("checked")
    if not isinstance(value, bool):
        raise CatalogueError(f"{where}.checked: true or false is required")
    return value


def _fact(raw: Any, where: str, kind: type[T]) -> CitedFact[T]:
    if not isinstance(raw, dict):
        raise CatalogueError(f"{where}: an object with value, cite and checked is required")
    value = raw.get("value")
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        wanted = "a whole number" if kind is int else "true or false" if kind is bool else kind.__name__
        raise CatalogueError(f"{where}.value: {wanted} is required")
    return CitedFact(value, _bilingual(raw.get("cite"), f"{where}.cite"), _checked(raw, where))


def _procedure(raw: Mapping[str, Any], year: int, where: str) -> LegalProcedure:
    """A ĐLVN procedure; one marked checked names the copy of the text it was read in."""
    checked = _checked(raw, where)
    against = raw.get("checked_against")
    if checked and against is None:
        raise CatalogueError(f"{where}.checked_against: required when checked is true")
    return LegalProcedure(
        _nfc(raw.get("code"), f"{where}.code"),
        year,
        _bilingual(raw.get("title"), f"{where}.title"),
        checked,
        None if against is None else _bilingual(against, f"{where}.checked_against"),
    )


def parse_catalogue(raw: Mapping[str, Any]) -> Catalogue:
    """Validate a parsed catalogue file; every error names the field.

    >>> parse_catalogue({"format": 2})
    Traceback (most recent call last):
    ...
    lims.domain.legal.catalogue.CatalogueError: format: 1 is required, not 2
    """
    if raw.get("format") != 1:
        raise CatalogueError(f"format: 1 is required, not {raw.get('format')!r}")
    sources = tuple(
        Source(
            key,
            _bilingual(s, f"sources.{key}"),
            _checked(s, f"sources.{key}"),
            _bilingual(s.get("checked_against"), f"sources.{key}.checked_against"),
        )
        for key, s in (raw.get("sources") or {}).items()
    )
    labels = {
        key: _bilingual(value, f"characteristics.{key}")
        for key, value in (raw.get("characteristics") or {}).items()
    }
    types = []
    for i, t in enumerate(raw.get("instrument_types") or []):
        where = f"instrument_types[{i}]"
        proc = t.get("procedure") or {}
        year = proc.get("year")
        if not isinstance(year, int) or not 1990 <= year <= 2100:
            raise CatalogueError(f"{where}.procedure.year: a year is required")
        cycle = _fact(t.get("cycle_months"), f"{where}.cycle_months", int)
        if not 1 <= cycle.value <= 120:
            raise CatalogueError(f"{where}.cycle_months.value: between 1 and 120 months")
        characteristics = tuple(t.get("characteristics") or ())
        unknown = [c for c in characteristics if c not in labels]
        if unknown:
            raise CatalogueError(f"{where}.characteristics: no label for {', '.join(unknown)}")
        types.append(
            InstrumentType(
                code=_nfc(t.get("code"), f"{where}.code"),
                name=_bilingual(t.get("name"), f"{where}.name"),
                field=_nfc(t.get("field"), f"{where}.field"),
                requires_verification=_fact(
                    t.get("requires_verification"), f"{where}.requires_verification", bool
                ),
                cycle_months=cycle,
                procedure=_procedure(proc, year, f"{where}.procedure"),
                characteristics=characteristics,
                lab_procedures=tuple(t.get("lab_procedures") or ()),
            )
        )
    codes = [t.code for t in types]
    if len(set(codes)) != len(codes):
        raise CatalogueError("instrument_types: a code is used twice")
    return Catalogue(sources, _bilingual(raw.get("list_citation"), "list_citation"), tuple(types), labels)


@cache
def load_catalogue() -> Catalogue:
    """The shipped catalogue (read once per process)."""
    text = resources.files("lims.domain.legal").joinpath("instrument_types.json").read_text("utf-8")
    return parse_catalogue(json.loads(text))
