"""The closed vocabulary of programme indicators and what each one counts.

Every target of a city plan implementing Decision 996/QĐ-TTg names one of these indicators. The list is
closed on purpose: an indicator is only meaningful if the application knows which records it is
computed from, so a programme file naming any other indicator is refused (see :mod:`.loader`).

>>> Indicator("training_participations").measure
<Measure.COUNT: 'count'>
>>> Indicator.STATE_DEMAND_MET.measure
<Measure.SHARE: 'share'>
>>> Indicator.STATE_DEMAND_MET.label_vi
'Tỷ lệ đáp ứng nhu cầu quản lý Nhà nước về kiểm định, hiệu chuẩn'
"""

from __future__ import annotations

from enum import StrEnum


class Measure(StrEnum):
    """What kind of figure an indicator is."""

    COUNT = "count"  # a number of records (people-times, enterprises, labs, standards)
    SHARE = "share"  # a fraction of demand met, 0..1, read at a date


class Indicator(StrEnum):
    """Indicators the application can compute from its own records."""

    HIGH_ACCURACY_STANDARDS = "high_accuracy_standards"
    STANDARDS_REFERENCE_MATERIALS_INSTRUMENTS_DEVELOPED = (
        "standards_reference_materials_instruments_developed"
    )
    STATE_DEMAND_MET = "state_demand_met"
    TRAINING_PARTICIPATIONS = "training_participations"
    ENTERPRISES_IN_MEASUREMENT_ASSURANCE_PROGRAMME = "enterprises_in_measurement_assurance_programme"
    LABS_APPLYING_NATIONAL_CRITERIA = "labs_applying_national_criteria"
    ACCREDITED_LABS_APPLYING_NATIONAL_CRITERIA = "accredited_labs_applying_national_criteria"
    SERVICE_ORGANISATIONS_CAPACITY_RAISED = "service_organisations_capacity_raised_iso17025_iso9001"

    @property
    def measure(self) -> Measure:
        return Measure.SHARE if self is Indicator.STATE_DEMAND_MET else Measure.COUNT

    @property
    def label_vi(self) -> str:
        return _LABELS_VI[self]

    @property
    def unit_vi(self) -> str:
        return _UNITS_VI[self]

    def unit_vi_counted(self, counting: Counting) -> str:
        """The unit in the plan's words: a figure counted per support is 'lượt doanh nghiệp'.

        >>> Indicator.ENTERPRISES_IN_MEASUREMENT_ASSURANCE_PROGRAMME.unit_vi_counted(Counting.TIMES)
        'lượt doanh nghiệp'
        >>> Indicator.ENTERPRISES_IN_MEASUREMENT_ASSURANCE_PROGRAMME.unit_vi_counted(Counting.DISTINCT)
        'doanh nghiệp'
        """
        unit = _UNITS_VI[self]
        if counting is Counting.TIMES and not unit.startswith("lượt"):
            return f"lượt {unit}"
        return unit


class Counting(StrEnum):
    """How enterprises are counted: each enterprise once per period, or every support (lượt)."""

    DISTINCT = "distinct"
    TIMES = "times"


_LABELS_VI: dict[Indicator, str] = {
    Indicator.HIGH_ACCURACY_STANDARDS: "Chuẩn đo lường có cấp chính xác cao được đầu tư phát triển",
    Indicator.STANDARDS_REFERENCE_MATERIALS_INSTRUMENTS_DEVELOPED: (
        "Chất chuẩn, chuẩn đo lường, phương tiện đo được phát triển"
    ),
    Indicator.STATE_DEMAND_MET: "Tỷ lệ đáp ứng nhu cầu quản lý Nhà nước về kiểm định, hiệu chuẩn",
    Indicator.TRAINING_PARTICIPATIONS: "Lượt người được bồi dưỡng chuyên môn nghiệp vụ về đo lường",
    Indicator.ENTERPRISES_IN_MEASUREMENT_ASSURANCE_PROGRAMME: (
        "Doanh nghiệp được hỗ trợ triển khai Chương trình đảm bảo đo lường"
    ),
    Indicator.LABS_APPLYING_NATIONAL_CRITERIA: (
        "Phòng thí nghiệm áp dụng bộ tiêu chí quốc gia đánh giá các lĩnh vực đo lường"
    ),
    Indicator.ACCREDITED_LABS_APPLYING_NATIONAL_CRITERIA: (
        "Phòng thí nghiệm được công nhận áp dụng bộ tiêu chí quốc gia"
    ),
    Indicator.SERVICE_ORGANISATIONS_CAPACITY_RAISED: (
        "Tổ chức dịch vụ kiểm định, hiệu chuẩn, thử nghiệm được chứng nhận ISO/IEC 17025, ISO 9001"
    ),
}

_UNITS_VI: dict[Indicator, str] = {
    Indicator.HIGH_ACCURACY_STANDARDS: "chuẩn",
    Indicator.STANDARDS_REFERENCE_MATERIALS_INSTRUMENTS_DEVELOPED: "chuẩn/chất chuẩn",
    Indicator.STATE_DEMAND_MET: "%",
    Indicator.TRAINING_PARTICIPATIONS: "lượt người",
    Indicator.ENTERPRISES_IN_MEASUREMENT_ASSURANCE_PROGRAMME: "doanh nghiệp",
    Indicator.LABS_APPLYING_NATIONAL_CRITERIA: "phòng thí nghiệm",
    Indicator.ACCREDITED_LABS_APPLYING_NATIONAL_CRITERIA: "phòng thí nghiệm",
    Indicator.SERVICE_ORGANISATIONS_CAPACITY_RAISED: "tổ chức",
}
