"""Bilingual captions of the PDF certificate and labels (field names, enumerations)."""

from __future__ import annotations

from certificates.data import IndicationKind, PerformanceLocation, Verdict, VerificationType
from certificates.results import INDICATION_LABEL
from certificates.wording import Text

__all__ = ["CONFORMITY", "FIELD", "LOCATION", "VERIFICATION_TYPE", "Label"]

Label = Text

FIELD: dict[str, Label] = {
    "number": Text("Số giấy chứng nhận", "Certificate number"),
    "item": Text("Phương tiện đo", "Item"),
    "manufacturer": Text("Nhà sản xuất", "Manufacturer"),
    "model": Text("Kiểu", "Model"),
    "serial": Text("Số sản xuất", "Serial number"),
    "customer_id": Text("Mã số của khách hàng", "Customer's identification"),
    "lab_id": Text("Mã số tiếp nhận", "Laboratory identification"),
    "range": Text("Phạm vi đo", "Measuring range"),
    "resolution": Text("Độ phân giải", "Resolution"),
    "class": Text("Cấp chính xác", "Accuracy class"),
    "condition": Text("Tình trạng khi nhận", "Condition on receipt"),
    "customer": Text("Khách hàng", "Customer"),
    "method": Text("Phương pháp", "Method"),
    "deviations": Text("Sai khác so với phương pháp", "Deviations from the method"),
    "sampling": Text("Lấy mẫu", "Sampling"),
    "location": Text("Địa điểm thực hiện", "Location of performance"),
    "received": Text("Ngày nhận", "Date of receipt"),
    "calibrated": Text("Ngày hiệu chuẩn", "Date of calibration"),
    "verified": Text("Ngày kiểm định", "Date of verification"),
    "issued": Text("Ngày ban hành", "Date of issue"),
    "verification_type": Text("Hình thức kiểm định", "Type of verification"),
    "verdict": Text("Kết luận", "Result"),
    "stamp": Text("Số tem kiểm định", "Verification stamp number"),
    "valid_until": Text("Có hiệu lực đến", "Valid until"),
    "recalibration": Text("Hiệu chuẩn lại", "Recalibration"),
    "signatory": Text("Người có thẩm quyền ký", "Authorised signatory"),
    # The approving signatory's electronic signature (the job's approval). The document's own digital
    # signature (PAdES, at issue) carries its signing time, which /verify and PDF readers show: the label
    # must not present the approval time as the time the file was signed (issue 17).
    "signed_at": Text("Phê duyệt lúc", "Approved at"),
    "accreditation": Text("Số hiệu công nhận", "Accreditation"),
    "designation": Text("Quyết định chỉ định", "Designation"),
    "legal_type": Text("Loại phương tiện đo", "Instrument type"),
    "legal_procedure": Text("Quy trình kiểm định", "Verification procedure"),
    "officer": Text("Kiểm định viên", "Verification officer"),
    "verify": Text("Quét mã để xác thực", "Scan to verify"),
    "verification_code": Text("Mã xác thực", "Verification code"),
    "h_results": Text("KẾT QUẢ", "RESULTS"),
    "point": Text("TT", "No."),
    "nominal": Text("Giá trị chuẩn", "Reference value"),
    # a series names its own column (ResultSeries.indication_label); this is the plain indication's name
    "indication": INDICATION_LABEL[IndicationKind.MEAN],
    "as_found_indication": Text("Số chỉ trước hiệu chỉnh", "Indication as found"),
    "as_found_error": Text("Sai số trước hiệu chỉnh", "Error as found"),
    "as_found_note": Text(
        "Giá trị trước hiệu chỉnh (as found) và sau hiệu chỉnh (as left) được nêu cho các "
        "điểm có điều chỉnh.",
        "Results before (as found) and after (as left) adjustment are given where the item was adjusted.",
    ),
    "error": Text("Sai số", "Error"),
    "correction": Text("Số hiệu chính", "Correction"),
    "uncertainty": Text("Độ KĐBĐ mở rộng U", "Expanded uncertainty U"),
    "k": Text("k", "k"),
    "mpe": Text("SSLNCP (±)", "MPE (±)"),
    "hysteresis": Text("Độ trễ", "Hysteresis"),
    "conformity": Text("Đánh giá", "Conformity"),
    "customer_supplied_values": Text(
        "Các giá trị trong bảng này do khách hàng cung cấp.",
        "The values in this table were supplied by the customer.",
    ),
    "h_uncertainty": Text("Độ không đảm bảo đo", "Measurement uncertainty"),
    "h_traceability": Text("Liên kết chuẩn đo lường", "Metrological traceability"),
    "standard": Text("Chuẩn đo lường", "Measurement standard"),
    "standard_id": Text("Số hiệu", "Identification"),
    "standard_cert": Text("Số giấy chứng nhận", "Certificate number"),
    "calibrated_by": Text("Cơ quan hiệu chuẩn", "Calibrated by"),
    # the standard's due date; not "hiệu chuẩn lại", which reads as a recalibration advice (7.8.4.3)
    "standard_due": Text("Hạn hiệu chuẩn", "Calibration due"),
    "h_environment": Text("Điều kiện môi trường", "Environmental conditions"),
    "temperature": Text("Nhiệt độ", "Temperature"),
    "humidity": Text("Độ ẩm tương đối", "Relative humidity"),
    "pressure": Text("Áp suất khí quyển", "Atmospheric pressure"),
    "h_decision": Text(
        "Quy tắc ra quyết định và tuyên bố sự phù hợp", "Decision rule and statement of conformity"
    ),
    "rule": Text("Quy tắc ra quyết định", "Decision rule"),
    "specification": Text("Yêu cầu kỹ thuật", "Specification"),
    "statement": Text("Tuyên bố sự phù hợp", "Statement of conformity"),
    "h_customer_supplied": Text("Thông tin do khách hàng cung cấp", "Information supplied by the customer"),
    "h_remarks": Text("Ý kiến và diễn giải", "Opinions and interpretations"),
    "date": Text("Ngày", "Date"),
    "status": Text("Trạng thái", "Status"),
}

CONFORMITY: dict[Verdict, Label] = {
    v: Text(v.text("vi"), v.text("en"))
    for v in Verdict
    if v is not Verdict.NO_STATEMENT  # one wording
}

LOCATION: dict[PerformanceLocation, Label] = {
    PerformanceLocation.LABORATORY: Text("Tại phòng thí nghiệm", "At the laboratory"),
    PerformanceLocation.CUSTOMER: Text("Tại cơ sở của khách hàng", "At the customer's premises"),
    PerformanceLocation.LABORATORY_BRANCH: Text(
        "Tại chi nhánh của phòng thí nghiệm", "At a branch of the laboratory"
    ),
    PerformanceLocation.CUSTOMER_BRANCH: Text("Tại chi nhánh của khách hàng", "At a branch of the customer"),
    PerformanceLocation.OTHER: Text("Tại hiện trường", "On site"),
}

VERIFICATION_TYPE: dict[VerificationType, Label] = {
    VerificationType.INITIAL: Text("Kiểm định ban đầu", "Initial verification"),
    VerificationType.PERIODIC: Text("Kiểm định định kỳ", "Periodic verification"),
    VerificationType.AFTER_REPAIR: Text("Kiểm định sau sửa chữa", "Verification after repair"),
}
