"""What a weighing job's certificate states besides the test loads: its weighing tests (EURAMET cg-18
section 8 asks for the repeatability and eccentricity found; OIML R 76-1 annex A's tests decide the
verification with the loads).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from sqlalchemy.orm import Session

from certificates.metrology import format_decimal, round_uncertainty
from certificates.wording import Text
from lims.domain import procedures as dp
from lims.domain.weighing.method import WeighingMethodKind
from lims.models import Job, WeighingTest
from lims.services.bench.weighing import recorded_tests


def _n(text: str, sign: str, *, spread: bool = False) -> str:
    value = Decimal(str(text))
    if spread and value != 0:
        value = round_uncertainty(abs(value))  # a spread to two significant digits, as U
    return format_decimal(value.normalize() if not spread else value, decimal_separator=sign)


def failed_tests(session: Session, job: Job) -> list[str]:
    """The kinds of the job's weighing tests that did not meet their requirement (OIML R 76-1)."""
    return sorted(row.kind for row in recorded_tests(session, job.id).values() if row.result.get("passed") is False)


def remarks(session: Session, job: Job, proc: dp.Procedure) -> tuple[Text, ...]:
    """One line per weighing test, in Vietnamese and English, with the figures the method found."""
    if proc.weighing is None:
        return ()
    lines = _lines(recorded_tests(session, job.id), proc.unit, proc.weighing.kind)
    return tuple(Text(vi, en) for vi, en in lines)


def _verdict(passed: object) -> tuple[str, str]:
    return ("đạt", "pass") if passed else ("không đạt", "fail")


def _lines(tests: Mapping[str, WeighingTest], u: str, kind: WeighingMethodKind) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if kind is WeighingMethodKind.CG18:
        out.append((
            "Sai số chỉ thị E = I − m_ref, với I là số chỉ khi có tải trừ số chỉ không tải ngay trước đó; khối "
            "lượng quy ước của quả cân không hiệu chính lực đẩy không khí (giới hạn của nó có trong U) "
            "(EURAMET cg-18 v4.0 mục 7).",
            "Error of indication E = I − m_ref, I being the load indication less the no-load indication read just "
            "before; conventional mass of the weights, air buoyancy not corrected (its bound is in U) "
            "(EURAMET cg-18 v4.0 section 7).",
        ))
        if (rep := tests.get("repeatability")) is not None:
            r = rep.result
            out.append((
                f"Độ lặp lại (cg-18 5.1): độ lệch chuẩn s = {_n(r['standard_deviation'], ',', spread=True)} {u} "
                f"tại {_n(r['load'], ',')} {u}, {r['readings']} lần đặt tải.",
                f"Repeatability (cg-18 5.1): standard deviation s = {_n(r['standard_deviation'], '.', spread=True)} "
                f"{u} at {_n(r['load'], '.')} {u}, {r['readings']} loadings.",
            ))
        if (ecc := tests.get("eccentricity")) is not None:
            r = ecc.result
            out.append((
                f"Độ lệch tâm (cg-18 5.3): chênh lệch lớn nhất so với vị trí giữa |ΔI| = "
                f"{_n(r['max_deviation'], ',', spread=True)} {u} tại {_n(r['load'], ',')} {u}.",
                f"Eccentricity (cg-18 5.3): largest deviation from the centre |ΔI| = "
                f"{_n(r['max_deviation'], '.', spread=True)} {u} at {_n(r['load'], '.')} {u}.",
            ))
        return out
    out.append((
        "Sai số đã loại trừ sai số làm tròn bằng quả cân điểm chuyển 0,1 e và đã hiệu chính điểm không, "
        "E_c = I + ½e − ΔL − E_0 − m_ref; mỗi tải thử đo theo chiều tăng và chiều giảm, ghi giá trị lớn hơn "
        "(OIML R 76-1 A.4.4.3).",
        "Errors free of rounding by change-point weights of 0.1 e and corrected for zero, "
        "E_c = I + ½e − ΔL − E_0 − m_ref; each load increasing and decreasing, the larger stated "
        "(OIML R 76-1 A.4.4.3).",
    ))
    names = {
        "zero": ("Độ chính xác đặt không (A.4.2.3): E_0", "Zero-setting accuracy (A.4.2.3): E_0", "zero_error"),
        "repeatability": ("Độ lặp lại (A.4.10): chênh lệch", "Repeatability (A.4.10): spread", "spread"),
        "eccentricity": ("Độ lệch tâm (A.4.7): sai số lớn nhất", "Eccentricity (A.4.7): largest error", "worst"),
        "discrimination": ("Độ phân biệt (A.4.8): thay đổi số chỉ khi thêm 1,4 d",
                           "Discrimination (A.4.8): change of indication for 1.4 d added", "change"),
    }
    for key, (vi, en, field) in names.items():
        row = tests.get(key)
        if row is None:
            continue
        r = row.result
        ok_vi, ok_en = _verdict(r.get("passed"))
        out.append((
            f"{vi} = {_n(r[field], ',')} {u} tại {_n(r['load'], ',')} {u}; giới hạn {_n(r['limit'], ',')} {u}: "
            f"{ok_vi}.",
            f"{en} = {_n(r[field], '.')} {u} at {_n(r['load'], '.')} {u}; limit {_n(r['limit'], '.')} {u}: {ok_en}.",
        ))
    return out
