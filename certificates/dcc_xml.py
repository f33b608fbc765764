"""Small ElementTree helpers for writing DCC 3.1.2 / D-SI 2.1.0 elements."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal
from typing import Any

from certificates.dcc_schema import DCC_NS, SI_NS
from certificates.formatting import decimal_of
from certificates.metrology.coverage import CoverageDistribution
from certificates.metrology.point import PointResult
from certificates.wording import Text

__all__ = ["d", "location", "name", "number", "quantity", "real", "si", "statement", "sub", "texts"]

ET.register_namespace("dcc", DCC_NS)
ET.register_namespace("si", SI_NS)


def d(tag: str) -> str:
    return f"{{{DCC_NS}}}{tag}"


def si(tag: str) -> str:
    return f"{{{SI_NS}}}{tag}"


def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = text
    return element


def texts(parent: ET.Element, tag: str, text: Text, **attrs: str) -> ET.Element:
    element = sub(parent, d(tag), **attrs)
    sub(element, d("content"), text.vi, lang="vi")
    sub(element, d("content"), text.en, lang="en")
    return element


def name(parent: ET.Element, tag: str, name: str) -> ET.Element:
    element = sub(parent, d(tag))
    sub(element, d("content"), name)
    return element


def number(value: Any) -> str:
    return format(decimal_of(value), "f")


def _t_distribution(point: PointResult) -> str:
    return point.coverage_text("en").split(", k = ")[0]  # "t-distribution with ν_eff = 7"


def real(
    parent: ET.Element,
    value: Any,
    unit: str,
    *,
    uncertainty: Decimal | None = None,
    point: PointResult | None = None,
) -> ET.Element:
    real = sub(parent, si("real"))
    sub(real, si("value"), number(value))
    sub(real, si("unit"), unit)
    if uncertainty is not None and point is not None:
        unc = sub(real, si("expandedUnc"))
        sub(unc, si("uncertainty"), number(uncertainty))
        sub(unc, si("coverageFactor"), number(point.coverage_factor))
        sub(unc, si("coverageProbability"), number(point.coverage_probability))
        # the same words as the coverage statement (EA-4/02 M:2022 section 5): normal, or t with ν_eff
        sub(
            unc,
            si("distribution"),
            "normal" if point.distribution is CoverageDistribution.NORMAL else _t_distribution(point),
        )
    return real


def quantity(
    parent: ET.Element,
    ref_type: str,
    name: Text,
    value: Any,
    unit: str,
    *,
    description: Text | None = None,
    **kw: Any,
) -> ET.Element:
    quantity = sub(parent, d("quantity"), refType=ref_type)
    texts(quantity, "name", name)
    if description is not None:  # schema order: name, description, then the value
        texts(quantity, "description", description)
    real(quantity, value, unit, **kw)
    return quantity


def location(parent: ET.Element, address: Any) -> None:
    location = sub(parent, d("location"))
    sub(location, d("street"), address.street)
    sub(location, d("city"), address.city)
    if address.postcode:
        sub(location, d("postCode"), address.postcode)
    sub(location, d("countryCode"), address.country_code)


def statement(
    parent: ET.Element,
    declaration: Text,
    *,
    ref_type: str | None = None,
    norm: str | None = None,
    reference: str | None = None,
    **children: str,
) -> ET.Element:
    statement = sub(parent, d("statement"), **({"refType": ref_type} if ref_type else {}))
    if norm:
        sub(statement, d("norm"), norm)
    if reference:
        sub(statement, d("reference"), reference)
    texts(statement, "declaration", declaration)
    for tag in ("valid", "date", "conformity"):  # schema order: declaration, valid, date, …, conformity
        if tag in children:
            sub(statement, d(tag), children[tag])
    return statement
