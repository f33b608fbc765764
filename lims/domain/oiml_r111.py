"""Maximum permissible errors of weights, OIML R 111-1:2004 Table 1, and the uncertainty rule of 5.2.

OIML R 111-1:2004 5.2 (from memory): "For each weight, the expanded uncertainty, U, for k = 2, of the
conventional mass shall be less than or equal to one-third of the maximum permissible error in Table 1."
A standard held as a weight of class F1 whose certificate states a larger U at some nominal value cannot be
used as an F1 weight there, whatever its error is (:func:`check_weight_uncertainty`).

Provenance of :data:`TABLE_1_MG` (the values are the MPE in mg, ±, for the classes E1, E2, F1, F2, M1, M2
and M3; the intermediate classes M1–2 and M2–3, defined from 50 kg only, are not listed):

* 1 mg – 200 g: checked on 2026-12-06 against a weight maker's transcription of Table 1
  (https://en.kern-lab.com/dakksdkd/weights/oiml), which agrees with the values below except for an
  obvious misprint at 5 mg M1 (0.02 for 0.20);
* 2 000 kg and 5 000 kg rows: checked against an excerpt of the 2004 edition's Table 1;
* every other value: **from memory** of the 2004 edition. Check them against the edition the lab holds
  before an audit.
"""

from __future__ import annotations

from dataclasses import dataclass

from lims.domain.unit_conversion import convert_difference, convert_value

__all__ = ["CLASSES", "TABLE_1_MG", "WeightClassCheck", "check_weight_uncertainty", "mpe_mg", "weight_class"]

CLASSES: tuple[str, ...] = ("E1", "E2", "F1", "F2", "M1", "M2", "M3")

_: None = None  # the class has no weight of this nominal value
# nominal value in mg -> MPE in mg for E1, E2, F1, F2, M1, M2, M3 (None: the class has no such weight)
TABLE_1_MG: dict[float, tuple[float | None, ...]] = {
    5_000_000_000: (_, _, 25_000, 80_000, 250_000, 800_000, 2_500_000),
    2_000_000_000: (_, _, 10_000, 30_000, 100_000, 300_000, 1_000_000),
    1_000_000_000: (_, 1_600, 5_000, 16_000, 50_000, 160_000, 500_000),
    500_000_000: (_, 800, 2_500, 8_000, 25_000, 80_000, 250_000),
    200_000_000: (_, 300, 1_000, 3_000, 10_000, 30_000, 100_000),
    100_000_000: (_, 160, 500, 1_600, 5_000, 16_000, 50_000),
    50_000_000: (25, 80, 250, 800, 2_500, 8_000, 25_000),
    20_000_000: (10, 30, 100, 300, 1_000, 3_000, 10_000),
    10_000_000: (5.0, 16, 50, 160, 500, 1_600, 5_000),
    5_000_000: (2.5, 8.0, 25, 80, 250, 800, 2_500),
    2_000_000: (1.0, 3.0, 10, 30, 100, 300, 1_000),
    1_000_000: (0.5, 1.6, 5.0, 16, 50, 160, 500),
    500_000: (0.25, 0.8, 2.5, 8.0, 25, 80, 250),
    200_000: (0.10, 0.3, 1.0, 3.0, 10, 30, 100),
    100_000: (0.05, 0.16, 0.5, 1.6, 5.0, 16, 50),
    50_000: (0.03, 0.10, 0.3, 1.0, 3.0, 10, 30),
    20_000: (0.025, 0.08, 0.25, 0.8, 2.5, 8.0, 25),
    10_000: (0.020, 0.06, 0.20, 0.6, 2.0, 6.0, 20),
    5_000: (0.016, 0.05, 0.16, 0.5, 1.6, 5.0, 16),
    2_000: (0.012, 0.04, 0.12, 0.4, 1.2, 4.0, 12),
    1_000: (0.010, 0.03, 0.10, 0.3, 1.0, 3.0, 10),
    500: (0.008, 0.025, 0.08, 0.25, 0.8, 2.5, _),
    200: (0.006, 0.020, 0.06, 0.20, 0.6, 2.0, _),
    100: (0.005, 0.016, 0.05, 0.16, 0.5, 1.6, _),
    50: (0.004, 0.012, 0.04, 0.12, 0.4, _, _),
    20: (0.003, 0.010, 0.03, 0.10, 0.3, _, _),
    10: (0.003, 0.008, 0.025, 0.08, 0.25, _, _),
    5: (0.003, 0.006, 0.020, 0.06, 0.20, _, _),
    2: (0.003, 0.006, 0.020, 0.06, 0.20, _, _),
    1: (0.003, 0.006, 0.020, 0.06, 0.20, _, _),
}


def weight_class(text: str | None) -> str | None:
    """The R 111 class named in a free-text accuracy field ("F1 (OIML R 111)" → "F1"), else ``None``.

    >>> weight_class("E2 (OIML R 111)"), weight_class("cấp chính xác F1"), weight_class("0,015 %")
    ('E2', 'F1', None)
    """
    if not text:
        return None
    for word in text.replace("(", " ").replace(")", " ").replace(",", " ").split():
        if word.upper() in CLASSES:
            return word.upper()
    return None


def mpe_mg(weight_class_name: str, nominal_mg: float) -> float | None:
    """MPE (mg) of a weight of ``weight_class_name`` and nominal value ``nominal_mg`` (R 111-1 Table 1).

    ``None`` when the nominal value is not in Table 1 or the class has no weight of that value.

    >>> mpe_mg("F1", 1_000_000), mpe_mg("E2", 1_000), mpe_mg("F1", 3_000), mpe_mg("M3", 1)
    (5.0, 0.03, None, None)
    """
    row = TABLE_1_MG.get(float(nominal_mg)) if float(nominal_mg).is_integer() else None
    if row is None or weight_class_name not in CLASSES:
        return None
    return row[CLASSES.index(weight_class_name)]


@dataclass(frozen=True, slots=True)
class WeightClassCheck:
    """One point of a weight's certificate judged against R 111-1 5.2 (all values in mg)."""

    nominal_mg: float
    expanded_uncertainty_mg: float
    mpe_mg: float

    @property
    def limit_mg(self) -> float:
        """MPE/3, the largest U allowed for the class (R 111-1 5.2)."""
        return self.mpe_mg / 3

    @property
    def conforms(self) -> bool:
        # 1e-9 relative: a U stated as exactly MPE/3 (rounded on the certificate) conforms
        return self.expanded_uncertainty_mg <= self.limit_mg * (1 + 1e-9)


def check_weight_uncertainty(
    weight_class_name: str,
    nominal: float,
    unit: str,
    expanded_uncertainty: float,
    coverage_factor: float = 2.0,
) -> WeightClassCheck | None:
    """Judge U of one weight against MPE/3 of its class (R 111-1 5.2); ``None`` if there is nothing to judge
    (not a mass unit, or a nominal value outside Table 1).

    U stated with another k is brought to k = 2 (U₂ = U·2/k) before the comparison.

    Worked example: an F1 weight of 1 kg has MPE 5 mg, so U ≤ 5/3 = 1.67 mg; a certificate stating
    U = 0.1 g (= 100 mg, the demo's old "flat" value) is 60 times too large:

    >>> check = check_weight_uncertainty("F1", 1000.0, "g", 0.1)
    >>> round(check.limit_mg, 2), check.conforms
    (1.67, False)
    >>> check_weight_uncertainty("F1", 1.0, "kg", 0.0000016).conforms
    True
    >>> check_weight_uncertainty("F1", 1.0, "V", 0.1) is None
    True
    """
    nominal_mg = convert_value(nominal, unit, "mg")
    expanded_mg = convert_difference(expanded_uncertainty, unit, "mg")
    if nominal_mg is None or expanded_mg is None:
        return None
    mpe = mpe_mg(weight_class_name, round(nominal_mg, 6))
    if mpe is None:
        return None
    return WeightClassCheck(round(nominal_mg, 6), expanded_mg * 2.0 / coverage_factor, mpe)
