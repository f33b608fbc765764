"""Who and what a certificate is about: laboratory, customer, item, method, standards, environment.

Clause references are to ISO/IEC 17025:2017.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from certificates.checks import check_finite, check_type, normalise_strings
from certificates.errors import CertificateDataError
from certificates.wording import Text

__all__ = ["Address", "Customer", "Environment", "Item", "Laboratory", "Method", "StandardUsed"]


@dataclass(frozen=True, slots=True)
class Address:
    """A postal address; ``country_code`` is ISO 3166-1 alpha-2."""

    street: str  # house number, street, ward and district
    city: str  # city or province
    country_code: str = "VN"
    postcode: str = ""

    def __post_init__(self) -> None:
        normalise_strings(self, "address", optional=("postcode",))
        if len(self.country_code) != 2 or not self.country_code.isascii() or not self.country_code.isupper():
            raise CertificateDataError(
                "address.country_code", f"must be two capital letters, not {self.country_code!r}"
            )

    def one_line(self) -> str:
        """The address on one line: street, city, postcode."""
        return ", ".join(p for p in (self.street, self.city, self.postcode) if p)


@dataclass(frozen=True, slots=True)
class Laboratory:
    """The issuing laboratory (7.8.2.1 b)."""

    name: Text
    address: Address
    email: str
    phone: str = ""
    accreditation: str = ""  # e.g. "VILAS 123", printed only when the scope is accredited
    designation: str = ""  # verification designation by the authority (Nghị định 105/2016/NĐ-CP)
    short_name: str = ""  # for labels, e.g. "TTĐL Đà Nẵng"; defaults to the Vietnamese name

    def __post_init__(self) -> None:
        check_type("lab", "name", self.name, Text)
        check_type("lab", "address", self.address, Address)
        normalise_strings(self, "lab", optional=("phone", "accreditation", "designation", "short_name"))


@dataclass(frozen=True, slots=True)
class Customer:
    """The customer (7.8.2.1 e)."""

    name: str
    address: Address
    email: str = ""
    phone: str = ""

    def __post_init__(self) -> None:
        check_type("customer", "address", self.address, Address)
        normalise_strings(self, "customer", optional=("email", "phone"))


@dataclass(frozen=True, slots=True)
class Item:
    """The item calibrated or verified (7.8.2.1 g): description, unambiguous identification, condition."""

    name: Text  # type of instrument, e.g. Text("Cân kỹ thuật", "Technical balance")
    manufacturer: str
    serial_number: str
    model: str = ""
    customer_identification: str = ""  # the customer's asset number
    lab_identification: str = ""  # the laboratory's receipt / item number
    measuring_range: str = ""  # as printed, with unit, e.g. "(0 … 220) g"
    resolution: str = ""  # as printed, with unit, e.g. "0,1 mg"
    accuracy_class: str = ""
    condition: Text | None = None  # condition on receipt, when relevant

    def __post_init__(self) -> None:
        check_type("item", "name", self.name, Text)
        check_type("item", "condition", self.condition, Text, optional=True)
        normalise_strings(
            self,
            "item",
            optional=(
                "model",
                "customer_identification",
                "lab_identification",
                "measuring_range",
                "resolution",
                "accuracy_class",
            ),
        )


@dataclass(frozen=True, slots=True)
class Method:
    """The method used (7.8.2.1 f) and any addition, deviation or exclusion (7.8.2.1 n)."""

    name: Text  # e.g. Text("Cân kỹ thuật – Quy trình kiểm định", "…")
    reference: str  # document code, e.g. "ĐLVN 16:2009" or "QTHC-05:2024"
    deviations: Text | None = None

    def __post_init__(self) -> None:
        check_type("method", "name", self.name, Text)
        check_type("method", "deviations", self.deviations, Text, optional=True)
        normalise_strings(self, "method")


@dataclass(frozen=True, slots=True)
class StandardUsed:
    """A reference standard and the certificate that makes it traceable (7.8.4.1 c, 6.5)."""

    name: str  # e.g. "Bộ quả cân E2 / E2 weight set"
    identification: str  # serial or asset number
    certificate_number: str  # its own calibration certificate
    calibrated_by: str  # the body that calibrated it, e.g. "Viện Đo lường Việt Nam (VMI)"
    valid_until: date | None = None  # due date of its next calibration

    def __post_init__(self) -> None:
        check_type("standard", "valid_until", self.valid_until, date, optional=True)
        normalise_strings(self, "standard")


@dataclass(frozen=True, slots=True)
class Environment:
    """Conditions that influence the results (7.8.4.1 b), as ranges over the measurement."""

    temperature_min_c: float
    temperature_max_c: float
    relative_humidity_min_pct: float | None = None
    relative_humidity_max_pct: float | None = None
    pressure_hpa: float | None = None

    def __post_init__(self) -> None:
        check_finite("environment", "temperature_min_c", self.temperature_min_c)
        check_finite("environment", "temperature_max_c", self.temperature_max_c)
        if self.temperature_min_c > self.temperature_max_c:
            raise CertificateDataError("environment.temperature_min_c", "is above temperature_max_c")
        if (self.relative_humidity_min_pct is None) != (self.relative_humidity_max_pct is None):
            raise CertificateDataError(
                "environment.relative_humidity_min_pct", "give both humidity bounds or none"
            )
        for name in ("relative_humidity_min_pct", "relative_humidity_max_pct"):
            value = getattr(self, name)
            check_finite("environment", name, value, optional=True)
            if value is not None and not 0 <= value <= 100:
                raise CertificateDataError(f"environment.{name}", f"must be between 0 and 100, not {value!r}")
        if (
            self.relative_humidity_min_pct is not None
            and self.relative_humidity_max_pct is not None
            and self.relative_humidity_min_pct > self.relative_humidity_max_pct
        ):
            raise CertificateDataError("environment.relative_humidity_min_pct", "is above the maximum")
        check_finite("environment", "pressure_hpa", self.pressure_hpa, positive=True, optional=True)
