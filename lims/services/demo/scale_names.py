"""The generated enterprises' names, places and people for ``lims demo --scale`` (lims.services.demo.scale)."""

from __future__ import annotations

import random

FAMILY = (
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
)
MIDDLE = ("Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Quốc", "Ngọc", "Xuân", "Thu")
GIVEN = (
    "An",
    "Bình",
    "Chi",
    "Dũng",
    "Giang",
    "Hà",
    "Hải",
    "Hạnh",
    "Hùng",
    "Khánh",
    "Lan",
    "Linh",
    "Long",
    "Mai",
    "Nam",
    "Ngân",
    "Phúc",
    "Quang",
    "Sơn",
    "Tâm",
    "Thảo",
    "Trang",
    "Trung",
    "Tuấn",
    "Yến",
)
FORMS = ("Công ty TNHH", "Công ty Cổ phần", "Công ty TNHH MTV", "Doanh nghiệp tư nhân", "Hợp tác xã")
TRADES = (
    ("Cơ khí", "Cơ khí chế tạo"),
    ("Thực phẩm", "Chế biến thực phẩm"),
    ("Dược phẩm", "Dược phẩm"),
    ("Điện tử", "Điện tử"),
    ("Xăng dầu", "Kinh doanh xăng dầu"),
    ("Xây dựng", "Xây dựng"),
    ("Thép", "Luyện kim"),
    ("Nhựa", "Sản xuất nhựa"),
    ("Dệt may", "Dệt may"),
    ("Thủy sản", "Chế biến thủy sản"),
    ("Môi trường", "Xử lý môi trường"),
    ("Bia", "Đồ uống"),
    ("Bao bì", "Bao bì"),
    ("Vật liệu", "Vật liệu xây dựng"),
)
BRANDS = (
    "An Phát",
    "Hồng Hà",
    "Thăng Long",
    "Sông Hàn",
    "Hải Vân",
    "Minh Khai",
    "Bình Minh",
    "Tân Tiến",
    "Hòa Phát",
    "Đại Việt",
    "Phú Thành",
    "Trường An",
    "Kim Long",
    "Sơn Trà",
    "Ngũ Hành",
    "Việt Hưng",
)
PLACES = (
    (
        "Hà Nội",
        "01",
        (
            "Cầu Giấy",
            "Đống Đa",
            "Hai Bà Trưng",
            "Long Biên",
            "Hoàng Mai",
            "Thanh Xuân",
            "Nam Từ Liêm",
            "Bắc Từ Liêm",
            "Hà Đông",
            "Đông Anh",
            "Gia Lâm",
            "Mê Linh",
        ),
    ),
    (
        "Đà Nẵng",
        "04",
        ("Hải Châu", "Thanh Khê", "Sơn Trà", "Ngũ Hành Sơn", "Liên Chiểu", "Cẩm Lệ", "Hòa Vang"),
    ),
)
STREETS = (
    "Nguyễn Trãi",
    "Giải Phóng",
    "Phạm Văn Đồng",
    "Trần Duy Hưng",
    "Lê Duẩn",
    "Nguyễn Văn Linh",
    "Điện Biên Phủ",
    "Hoàng Quốc Việt",
    "Ngô Quyền",
    "Tôn Đức Thắng",
    "Bạch Đằng",
    "Hùng Vương",
)
LOCATIONS = (
    "Phòng QC",
    "Xưởng sản xuất",
    "Kho nguyên liệu",
    "Phòng thí nghiệm",
    "Dây chuyền 1",
    "Dây chuyền 2",
    "Trạm cân",
    "Phòng kỹ thuật",
    "Khu lò hơi",
    "Cửa hàng số 3",
)


def _tax_codes(rng: random.Random, province: str, used: set[str]) -> str:
    from lims.domain.taxcode import check_digit

    while True:
        nine = province + f"{rng.randrange(10**7):07d}"
        digit = check_digit(nine)
        if digit is not None and nine + str(digit) not in used:
            code = nine + str(digit)
            used.add(code)
            return code


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
